import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/**
 * The lifetime of one client call, retries included: one AbortSignal that fires when the
 * caller aborts, the deadline passes, or the transport closes — whichever comes first — with a
 * TripleError reason (CANCELLED / DEADLINE_EXCEEDED). Every wait of the call (connection pick,
 * response, retry backoff) listens to it, so nothing outlives the deadline.
 */
export class ClientCallScope {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Absolute deadline (ms since epoch), or undefined. */
  readonly deadline: number | undefined;

  constructor(
    timeoutMs: number | undefined,
    private readonly callerSignal: AbortSignal | undefined,
    private readonly closeSignal: AbortSignal,
  ) {
    this.deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    if (callerSignal?.aborted) {
      this.onCallerAbort();
      return;
    }
    if (closeSignal.aborted) {
      this.onClose();
      return;
    }
    callerSignal?.addEventListener('abort', this.onCallerAbort);
    closeSignal.addEventListener('abort', this.onClose);
    // Longer than setTimeout can represent (~24.8 days) is "never" in practice.
    if (timeoutMs !== undefined && timeoutMs <= 0x7fffffff) this.timer = setTimeout(this.onDeadline, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The reason the call was aborted, if it was. */
  get reason(): TripleError | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as TripleError) : undefined;
  }

  /** Releases the timer and listeners once the call has its outcome. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
    this.closeSignal.removeEventListener('abort', this.onClose);
  }

  private abort(reason: TripleError): void {
    if (this.controller.signal.aborted) return;
    this.dispose();
    this.controller.abort(reason);
  }

  private readonly onCallerAbort = (): void => {
    const reason: unknown = this.callerSignal?.reason;
    this.abort(reason instanceof TripleError ? reason : new TripleError(Code.CANCELLED, 'the call was cancelled by the caller', { cause: reason }));
  };

  private readonly onClose = (): void => {
    this.abort(new TripleError(Code.CANCELLED, 'the client transport was closed'));
  };

  private readonly onDeadline = (): void => {
    this.abort(new TripleError(Code.DEADLINE_EXCEEDED, 'the deadline expired before the call completed'));
  };
}
