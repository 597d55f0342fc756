import { CancelSource, type CancelSignal } from './call-cancel.js';
import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/** Who can cancel a call from outside: the caller's AbortSignal and/or its CancelSignal. */
export interface CallerCancel {
  readonly signal?: AbortSignal | undefined;
  readonly cancel?: CancelSignal | undefined;
}

/**
 * The lifetime of one client call, retries included: one cancellation that fires when the
 * caller cancels, the deadline passes, or the transport closes — whichever comes first — with a
 * TripleError reason (CANCELLED / DEADLINE_EXCEEDED). Every wait of the call (connection pick,
 * response, retry backoff) subscribes to it, so nothing outlives the deadline.
 *
 * Costs nothing per call beyond this object when there is no deadline and no caller signal:
 * no AbortController, no timer, one entry in the transport's close source.
 */
export class ClientCallScope extends CancelSource {
  private timer: NodeJS.Timeout | undefined;
  private signalListener: (() => void) | undefined;
  private disposed = false;
  /** Absolute deadline (ms since epoch), or undefined. */
  readonly deadline: number | undefined;

  /**
   * @param caller the caller's own cancellation; `cancel` is preferred over `signal` when both
   *   are set (the Nest client passes both: the signal mirrors the CancelSignal)
   * @param close cancelled when the transport closes
   */
  constructor(
    timeoutMs: number | undefined,
    private readonly caller: CallerCancel,
    private readonly close: CancelSignal,
  ) {
    super();
    this.deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const callerCancel = caller.cancel;
    const callerSignal = callerCancel ? undefined : caller.signal;
    if (callerCancel?.reason) {
      this.cancel(callerCancel.reason);
      return;
    }
    if (callerSignal?.aborted) {
      this.cancel(callerReason(callerSignal));
      return;
    }
    if (close.reason) {
      this.cancel(close.reason);
      return;
    }
    callerCancel?.subscribe(this);
    if (callerSignal) {
      this.signalListener = () => this.cancel(callerReason(callerSignal));
      callerSignal.addEventListener('abort', this.signalListener);
    }
    close.subscribe(this);
    // Longer than setTimeout can represent (~24.8 days) is "never" in practice.
    if (timeoutMs !== undefined && timeoutMs <= 0x7fffffff) this.timer = setTimeout(onDeadline, timeoutMs, this);
  }

  override cancel(reason: TripleError): void {
    if (this.reason) return;
    this.dispose();
    super.cancel(reason);
  }

  /** Releases the timer and the subscriptions once the call has its outcome. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.caller.cancel?.unsubscribe(this);
    if (this.signalListener) this.caller.signal?.removeEventListener('abort', this.signalListener);
    this.close.unsubscribe(this);
  }
}

function callerReason(signal: AbortSignal): TripleError {
  const reason: unknown = signal.reason;
  return reason instanceof TripleError ? reason : new TripleError(Code.CANCELLED, 'the call was cancelled by the caller', { cause: reason });
}

function onDeadline(scope: ClientCallScope): void {
  scope.cancel(new TripleError(Code.DEADLINE_EXCEEDED, 'the deadline expired before the call completed'));
}
