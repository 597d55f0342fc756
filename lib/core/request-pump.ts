import type { AttemptState } from './client-attempt.js';
import type { ClientCall } from './client-call.js';
import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/**
 * Sends a client's request stream: pulls one message, encodes it, writes it, and waits for
 * 'drain' before pulling the next — so the caller's source is consumed only as fast as HTTP/2
 * flow control lets bytes out (the client-side backpressure grpc-js' Nest wrapper lacks,
 * nestjs/nest #1434). Ends the request (half-close) when the source completes.
 *
 * Failures: a source that throws, or a message that cannot be encoded (too large), cancels
 * the call with that error. A write that fails means the call already died; the response side
 * reports why, so the pump just stops. `stop()` (the response ended or was abandoned) returns
 * the source's iterator so generators run their `finally`.
 */
export class RequestPump<I> {
  private stopped = false;
  private iterator: AsyncIterator<I> | undefined;

  constructor(
    private readonly call: ClientCall,
    private readonly source: AsyncIterable<I>,
    private readonly encode: (message: I) => Uint8Array | Promise<Uint8Array>,
    private readonly state: AttemptState,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const iterator = this.iterator;
    if (iterator?.return) Promise.resolve().then(() => iterator.return!()).catch(() => undefined);
  }

  private async run(): Promise<void> {
    let iterator: AsyncIterator<I>;
    try {
      // From the first pull on, the source cannot be replayed: a generator that was asked for
      // a value and then returned is finished, even if it never yielded.
      this.state.requestsConsumed = true;
      iterator = this.iterator = this.source[Symbol.asyncIterator]();
      for (;;) {
        const next = await iterator.next();
        if (this.stopped) return;
        if (next.done) break;
        const frame = await this.encode(next.value);
        if (this.stopped) return;
        if (!(await this.write(frame))) return;
      }
    } catch (e) {
      if (this.stopped) return;
      this.stopped = true;
      this.call.cancel(e instanceof TripleError ? e : new TripleError(Code.CANCELLED, 'the request stream failed', { cause: e }));
      return;
    }
    this.stopped = true;
    this.call.end();
  }

  /** False when the call died (the pump then stops without an error of its own). */
  private async write(frame: Uint8Array): Promise<boolean> {
    try {
      const pending = this.call.write(frame);
      if (pending) await pending;
      return true;
    } catch {
      this.stop();
      return false;
    }
  }
}
