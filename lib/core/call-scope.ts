import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/**
 * The lifetime of one server call: a single AbortController that fires on client cancel,
 * deadline expiry or server shutdown, whichever comes first, with a TripleError as reason.
 * The handler sees its signal; the protocol sees `onAbort` and ends the call with a status.
 */
export class CallScope {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  /**
   * @param timeoutMs relative deadline from the request, or undefined for none
   * @param onAbort called once, synchronously, when the call is aborted for any reason
   */
  constructor(
    private readonly clientSignal: AbortSignal,
    private readonly shutdownSignal: AbortSignal,
    timeoutMs: number | undefined,
    private readonly onAbort: (reason: TripleError) => void,
  ) {
    this.deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    if (clientSignal.aborted || shutdownSignal.aborted) {
      queueMicrotask(() => this.abort(clientSignal.aborted ? clientSignal.reason : shutdownSignal.reason));
      return;
    }
    clientSignal.addEventListener('abort', this.onClientAbort, { once: true });
    shutdownSignal.addEventListener('abort', this.onShutdown);
    if (timeoutMs !== undefined) {
      // setTimeout overflows above 2^31-1 ms (~24.8 days): such deadlines are "never" in practice.
      if (timeoutMs <= 0x7fffffff) this.timer = setTimeout(this.onDeadline, timeoutMs);
    }
  }

  /** Absolute deadline in ms since the epoch. */
  readonly deadline: number | undefined;

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  /** Aborts the call (idempotent). */
  abort(reason: unknown): void {
    if (this.controller.signal.aborted) return;
    const error = reason instanceof TripleError ? reason : TripleError.from(reason, Code.CANCELLED);
    this.controller.abort(error);
    this.dispose();
    this.onAbort(error);
  }

  /**
   * Releases the timer and the shutdown listener once the call has its status. The client's
   * signal stays linked: it belongs to this call alone (no leak), and a cancel that arrives after
   * the handler returned but before the stream closed - a Node client half-closes, then sends
   * RST_STREAM - must still abort the handler's signal, as grpc-js servers emit 'cancelled' then.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.shutdownSignal.removeEventListener('abort', this.onShutdown);
  }

  private readonly onClientAbort = (): void => {
    this.abort(this.clientSignal.reason ?? new TripleError(Code.CANCELLED, 'the client cancelled the call'));
  };

  private readonly onShutdown = (): void => {
    this.abort(new TripleError(Code.UNAVAILABLE, 'the server is shutting down'));
  };

  private readonly onDeadline = (): void => {
    this.abort(new TripleError(Code.DEADLINE_EXCEEDED, 'the deadline expired before the call completed'));
  };
}
