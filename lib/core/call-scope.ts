import { Code } from './code.js';
import type { CancelListener, ServerCall } from './server-call.js';
import { TripleError } from './triple-error.js';

/** What a scope ends when the call is aborted: the responder, which answers with the reason's status. */
export interface AbortedCallTarget {
  finish(reason: TripleError): void;
}

/** The protocol layer's own abort listener (see {@link CallScope.setAbortListener}). */
export interface ScopeAbortListener {
  onScopeAborted(reason: TripleError): void;
}

/**
 * The lifetime of one server call: aborted once, with a TripleError as reason, on client
 * cancel, deadline expiry or server shutdown, whichever comes first. The handler sees it as
 * `signal`; the protocol's responder is told through `finish(reason)`.
 *
 * Cheap for the common call that nobody cancels: the AbortController exists only once someone
 * reads `signal`, the client's cancel arrives through the call's cancel listener, and all
 * scopes of one server share a single listener on its shutdown signal.
 */
export class CallScope implements CancelListener {
  private controller: AbortController | undefined;
  private abortListener: ScopeAbortListener | undefined;
  private reason: TripleError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  /** Links in the list of live scopes of this server (see {@link LiveScopes}). */
  private live: LiveScopes | undefined;
  private prevLive: CallScope | undefined;
  private nextLive: CallScope | undefined;

  /** Absolute deadline in ms since the epoch. */
  readonly deadline: number | undefined;

  /**
   * @param timeoutMs relative deadline from the request, or undefined for none
   * @param target told once, synchronously, when the call is aborted for any reason
   */
  constructor(
    call: Pick<ServerCall, 'setCancelListener'>,
    shutdownSignal: AbortSignal,
    timeoutMs: number | undefined,
    private readonly target: AbortedCallTarget,
  ) {
    this.deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    if (shutdownSignal.aborted) {
      this.disposed = true;
      queueMicrotask(() => this.abort(serverShuttingDown()));
      return;
    }
    call.setCancelListener(this);
    this.link(liveScopesOf(shutdownSignal));
    // setTimeout overflows above 2^31-1 ms (~24.8 days): such deadlines are "never" in practice.
    if (timeoutMs !== undefined && timeoutMs <= 0x7fffffff) this.timer = setTimeout(onDeadline, timeoutMs, this);
  }

  /** Aborted on client cancel, deadline expiry and server shutdown; created on first read. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.reason !== undefined;
  }

  /**
   * Sets (or, with undefined, clears) the one listener the protocol layer needs to stop a
   * response stream on abort: an object with a method, so a call held open for hours costs no
   * AbortController, signal and listener list unless its handler reads `signal`. Told after
   * the signal's listeners and before the responder.
   */
  setAbortListener(listener: ScopeAbortListener | undefined): void {
    this.abortListener = listener;
  }

  /** Aborts the call (idempotent). */
  abort(reason: unknown): void {
    if (this.reason) return;
    const error = reason instanceof TripleError ? reason : TripleError.from(reason, Code.CANCELLED);
    this.reason = error;
    this.controller?.abort(error);
    const listener = this.abortListener;
    this.abortListener = undefined;
    listener?.onScopeAborted(error);
    this.dispose();
    this.target.finish(error);
  }

  /** Ends the scope with the call's final status: released when OK, aborted with an error. */
  end(error?: TripleError): void {
    if (error) this.abort(error);
    else this.dispose();
  }

  /** Releases the timer and the shutdown registration once the call has its status. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.unlink();
  }

  /**
   * The client cancelled. Also after the call had its status: a Node client cancels a call
   * whose request side is open by sending END_STREAM and then RST_STREAM, and node:http2 ends
   * the request before it parses the reset, so a handler that answered at half-close must still
   * see its signal abort (what grpc-js servers report as 'cancelled'). The transport calls this
   * only until the stream closes, so the scope lives no longer than its stream.
   */
  onCallCancelled(reason: TripleError): void {
    this.abort(reason);
  }

  private link(live: LiveScopes): void {
    this.live = live;
    this.nextLive = live.head;
    if (live.head) live.head.prevLive = this;
    live.head = this;
  }

  private unlink(): void {
    const live = this.live;
    if (!live) return;
    if (this.prevLive) this.prevLive.nextLive = this.nextLive;
    else live.head = this.nextLive;
    if (this.nextLive) this.nextLive.prevLive = this.prevLive;
    this.live = this.prevLive = this.nextLive = undefined;
  }

  /** Aborts every scope still in `live` (server shutdown). */
  static abortAll(live: LiveScopes, reason: () => TripleError): void {
    const scopes: CallScope[] = [];
    for (let scope = live.head; scope; scope = scope.nextLive) scopes.push(scope);
    for (const scope of scopes) scope.abort(reason());
  }
}

function onDeadline(scope: CallScope): void {
  scope.abort(new TripleError(Code.DEADLINE_EXCEEDED, 'the deadline expired before the call completed'));
}

function serverShuttingDown(): TripleError {
  return new TripleError(Code.UNAVAILABLE, 'the server is shutting down');
}

/**
 * The scopes still running under one shutdown signal, as an intrusive doubly-linked list: a
 * scope links and unlinks itself in O(1) without hashing (a Set of scopes costs an identity
 * hash per call). One listener per signal aborts them all, instead of every call adding and
 * removing its own listener (and thousands of listeners on one signal during a load peak).
 */
interface LiveScopes {
  head: CallScope | undefined;
}

const scopesByShutdown = new WeakMap<AbortSignal, LiveScopes>();

function liveScopesOf(signal: AbortSignal): LiveScopes {
  let scopes = scopesByShutdown.get(signal);
  if (!scopes) {
    const live: LiveScopes = (scopes = { head: undefined });
    scopesByShutdown.set(signal, live);
    signal.addEventListener('abort', () => CallScope.abortAll(live, serverShuttingDown), { once: true });
  }
  return scopes;
}
