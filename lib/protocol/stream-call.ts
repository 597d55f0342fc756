import { deferred, type StreamAttempt } from '../core/client-attempt.js';
import type { StreamResponse } from '../core/client-transport.js';
import { Code } from '../core/code.js';
import type { Metadata } from '../core/metadata.js';
import { TripleError } from '../core/triple-error.js';

/** A stream call whose response started (after retries), and how to release its scope. */
export interface StartedStream<O> {
  readonly attempt: StreamAttempt<O>;
  dispose(): void;
}

/** How a stream call ended, for interceptors' `after`. */
export interface StreamOutcome {
  readonly error: TripleError | undefined;
  readonly header: Metadata | undefined;
  readonly trailer: Metadata | undefined;
  readonly attempts: number;
}

/**
 * The StreamResponse of server-streaming and bidi calls. The call starts at once (so `header`
 * can be awaited before iterating); messages are read only as the caller iterates, so a slow
 * consumer slows the server through HTTP/2 flow control instead of filling memory. Leaving the
 * loop early (break, return(), throw) cancels the call with RST_STREAM CANCEL.
 */
export class StreamCall<O> implements StreamResponse<O> {
  private readonly headerResult = deferred<Metadata>();
  private readonly trailerResult = deferred<Metadata>();
  private readonly started: Promise<StartedStream<O>>;
  private iterated = false;
  private ended = false;

  /**
   * @param start runs interceptors' `before`, then attempts (with retries) until the response starts
   * @param attempts how many attempts were made so far
   * @param onEnd called once with the outcome (interceptors' `after`)
   */
  constructor(
    start: () => Promise<StartedStream<O>>,
    private readonly attempts: () => number,
    private readonly onEnd: (outcome: StreamOutcome) => void,
  ) {
    this.started = start();
    this.started.then(
      (s) => this.headerResult.resolve(s.attempt.header),
      (e: unknown) => this.finish(toClientError(e), undefined, undefined),
    );
  }

  get header(): Promise<Metadata> {
    return this.headerResult.promise;
  }

  get trailer(): Promise<Metadata> {
    return this.trailerResult.promise;
  }

  [Symbol.asyncIterator](): AsyncIterator<O> {
    if (this.iterated) throw new TypeError('a stream response can be iterated only once');
    this.iterated = true;
    return this.iterate();
  }

  private async *iterate(): AsyncGenerator<O> {
    let started: StartedStream<O>;
    try {
      started = await this.started;
    } catch (e) {
      throw toClientError(e);
    }
    let done = false;
    try {
      for await (const message of started.attempt.messages) yield message;
      const trailer = await started.attempt.trailer;
      done = true;
      this.finish(undefined, started, trailer);
    } catch (e) {
      done = true;
      const error = toClientError(e);
      this.finish(error, started, undefined);
      throw error;
    } finally {
      if (!done) {
        // The caller left the loop: the messages iterator already reset the stream.
        this.finish(new TripleError(Code.CANCELLED, 'the caller stopped reading the response'), started, undefined);
      }
    }
  }

  private finish(error: TripleError | undefined, started: StartedStream<O> | undefined, trailer: Metadata | undefined): void {
    if (this.ended) return;
    this.ended = true;
    started?.dispose();
    if (error) {
      this.headerResult.reject(error);
      this.trailerResult.reject(error);
    } else {
      this.trailerResult.resolve(trailer!);
    }
    this.onEnd({
      error,
      header: started?.attempt.header,
      trailer: error ? error.metadata : trailer,
      attempts: this.attempts(),
    });
  }
}

/** Anything a call can fail with, as the TripleError callers are promised. */
export function toClientError(reason: unknown): TripleError {
  return reason instanceof TripleError ? reason : TripleError.from(reason, Code.UNKNOWN);
}
