import type { TripleError } from './triple-error.js';

/** Something a cancellation reaches: a call, a scope, a waiter. */
export interface Cancellable {
  cancel(reason: TripleError): void;
}

/**
 * The listening side of a client call's cancellation (cancel, deadline, transport close). The
 * client's hot path uses it instead of AbortSignal: a Node AbortSignal is an EventTarget whose
 * creation and listener bookkeeping (addEventListener walks every listener to refuse
 * duplicates) cost ~10% of the client's CPU per unary call, for a feature a call uses only
 * when it is actually cancelled.
 */
export interface CancelSignal {
  /** Set (a TripleError: CANCELLED, DEADLINE_EXCEEDED, ...) once cancelled. */
  readonly reason: TripleError | undefined;
  /** `target.cancel(reason)` runs once, synchronously, when the cancellation happens. */
  subscribe(target: Cancellable): void;
  unsubscribe(target: Cancellable): void;
}

/**
 * A one-shot cancellation. One subscriber is kept in a field (the common case: the live HTTP/2
 * stream of a call); more go to a Set, so a source with thousands of subscribers (the transport's
 * close) adds and removes each in O(1).
 */
export class CancelSource implements CancelSignal, Cancellable {
  private cancelReason: TripleError | undefined;
  private first: Cancellable | undefined;
  private more: Set<Cancellable> | undefined;
  private controller: AbortController | undefined;

  get reason(): TripleError | undefined {
    return this.cancelReason;
  }

  /**
   * An AbortSignal mirroring this source, created on first read: for APIs that want a signal
   * (a custom ClientTransport) without every call paying for one.
   */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cancelReason) this.controller.abort(this.cancelReason);
    }
    return this.controller.signal;
  }

  subscribe(target: Cancellable): void {
    if (this.cancelReason || this.first === target) return;
    if (this.first === undefined && !this.more?.size) this.first = target;
    else (this.more ??= new Set()).add(target);
  }

  unsubscribe(target: Cancellable): void {
    if (this.first === target) this.first = undefined;
    else this.more?.delete(target);
  }

  /** Cancels (idempotent: the first reason wins) and tells every subscriber, in no set order. */
  cancel(reason: TripleError): void {
    if (this.cancelReason) return;
    this.cancelReason = reason;
    const first = this.first;
    const more = this.more;
    this.first = undefined;
    this.more = undefined;
    first?.cancel(reason);
    if (more) for (const target of more) target.cancel(reason);
    this.controller?.abort(reason);
  }
}

/**
 * Resolves after `ms`, or rejects with the cancellation's reason as soon as it comes (retry
 * backoff, waiting for an address to leave its backoff).
 */
export function cancellableDelay(ms: number, cancel: CancelSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (cancel.reason) return reject(cancel.reason);
    const waiter: Cancellable = {
      cancel: (reason) => {
        clearTimeout(timer);
        reject(reason);
      },
    };
    const timer = setTimeout(() => {
      cancel.unsubscribe(waiter);
      resolve();
    }, Math.max(0, ms));
    cancel.subscribe(waiter);
  });
}
