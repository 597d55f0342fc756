import type { Readable } from 'node:stream';
import { Code } from '../core/code.js';
import { TripleError } from '../core/triple-error.js';

/**
 * A pull-based view of a request body. Unlike a Readable's own async iterator, stopping early
 * (`return()`, or an exception in a for-await loop) does not destroy the stream: the rest of
 * the body is read and discarded, so the response (status, trailers) can still be sent and the
 * peer never sees a reset of a request it was still uploading.
 */
export function readBody(stream: Readable): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => new BodyIterator(stream) };
}

class BodyIterator implements AsyncIterator<Uint8Array> {
  private ended = false;
  private error: TripleError | undefined;
  private waiter: (() => void) | undefined;

  constructor(private readonly stream: Readable) {
    stream.on('readable', this.wake);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      const chunk: Buffer | null = this.stream.read();
      if (chunk !== null) return { value: chunk, done: false };
      if (this.error) {
        this.detach();
        throw this.error;
      }
      if (this.ended) {
        this.detach();
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    this.detach();
    if (!this.stream.readableEnded && !this.stream.destroyed) this.stream.resume();
    return { value: undefined, done: true };
  }

  private detach(): void {
    this.stream.off('readable', this.wake);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.off('close', this.onClose);
  }

  private readonly wake = (): void => {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.wake();
  };

  private readonly onError = (): void => {
    this.error ??= new TripleError(Code.CANCELLED, 'the request stream failed');
    this.wake();
  };

  /** 'close' before 'end' means the peer reset the stream mid-request. */
  private readonly onClose = (): void => {
    if (!this.ended) this.error ??= new TripleError(Code.CANCELLED, 'the client cancelled the request stream');
    this.wake();
  };
}
