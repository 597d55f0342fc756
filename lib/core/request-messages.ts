import { Code } from './code.js';
import { EnvelopeDecoder } from './envelope-decoder.js';
import { decodeEnvelope, type MessageReadOptions } from './message-reader.js';
import { TripleError } from './triple-error.js';

/**
 * A request stream that can hand its messages over in batches: every message one body chunk
 * completed, at once. A consumer that can take a batch (the Nest request Observable) pays one
 * promise per chunk instead of one (or three, through chained async generators) per message.
 */
export interface BatchedMessages<T> extends AsyncIterable<T> {
  /**
   * Resolves with the next messages, in order (at least one), or undefined at the end of the
   * stream. Rejects with a TripleError when the stream breaks. One call at a time.
   */
  nextBatch(): Promise<readonly T[] | undefined>;
  /** Stops reading: the rest of the body is discarded (the response can still be sent). */
  cancel(): void;
}

export function isBatchedMessages<T>(value: AsyncIterable<T>): value is BatchedMessages<T> {
  return typeof (value as Partial<BatchedMessages<T>>).nextBatch === 'function';
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/**
 * The request messages of a client-streaming or bidi call, decoded from the body as it is
 * pulled: the body is read only as fast as the consumer asks, so HTTP/2 flow control holds a
 * fast sender back. The size limit is checked on each envelope header (an oversized message
 * is refused before it is buffered); compressed messages are decompressed in order.
 * A broken stream (bad frame, size, codec, peer reset) is reported once to `onError` (the call
 * ends with its status) and thrown to the consumer.
 */
export class RequestMessages<T> implements BatchedMessages<T> {
  private readonly decoder: EnvelopeDecoder;
  private chunks: AsyncIterator<Uint8Array> | undefined;
  private pending: readonly T[] = [];
  private index = 0;
  private ended = false;

  constructor(
    private readonly body: AsyncIterable<Uint8Array>,
    private readonly options: MessageReadOptions<T>,
    private readonly onError?: (error: TripleError) => void,
  ) {
    this.decoder = new EnvelopeDecoder(options.readMaxBytes);
  }

  async nextBatch(): Promise<readonly T[] | undefined> {
    if (this.index < this.pending.length) {
      // Left over from per-message iteration: hand the rest over first.
      const rest = this.pending.slice(this.index);
      this.pending = [];
      this.index = 0;
      return rest;
    }
    if (this.ended) return undefined;
    const chunks = (this.chunks ??= this.body[Symbol.asyncIterator]());
    try {
      for (;;) {
        const next = await chunks.next();
        if (this.ended) return undefined;
        if (next.done) {
          this.ended = true;
          this.decoder.finish();
          return undefined;
        }
        const envelopes = this.decoder.push(next.value);
        if (envelopes.length === 0) continue;
        const messages = new Array<T>(envelopes.length);
        for (let i = 0; i < envelopes.length; i++) {
          const { flags, data } = envelopes[i]!;
          const message = decodeEnvelope(flags, data, this.options);
          messages[i] = message instanceof Promise ? await message : message;
        }
        return messages;
      }
    } catch (e) {
      if (!this.ended) {
        this.ended = true;
        this.onError?.(TripleError.from(e, Code.INTERNAL));
      }
      throw e;
    }
  }

  cancel(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending = [];
    this.index = 0;
    void this.chunks?.return?.()?.catch(() => undefined);
  }

  /** Per-message iteration, over the same batches; leaving the loop early cancels. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        while (this.index >= this.pending.length) {
          const batch = await this.nextBatch();
          if (batch === undefined) return DONE;
          this.pending = batch;
          this.index = 0;
        }
        return { value: this.pending[this.index++]!, done: false };
      },
      return: async (): Promise<IteratorResult<T>> => {
        this.cancel();
        return DONE;
      },
    };
  }
}
