import { CancelSource, type CancelSignal, type Cancellable } from '../core/call-cancel.js';
import type { ClientCall, ClientConnector, ClientRequestInit, ConnectorState } from '../core/client-call.js';
import { Code } from '../core/code.js';
import { TripleError } from '../core/triple-error.js';
import type { AddressResolver } from './address-resolver.js';
import { connectionError } from './h2-error.js';
import { Http2SessionManager, type SessionManagerOptions } from './session-manager.js';

/** Least time between two DNS re-resolutions triggered by failures, ms (gRPC uses 30 s; DNS answers here come from the OS cache). */
export const MIN_RERESOLVE_INTERVAL_MS = 2_000;

interface PickWaiter extends Cancellable {
  readonly waitForReady: boolean;
  resolve(manager: Http2SessionManager): void;
  reject(error: TripleError): void;
}

/**
 * The HTTP/2 ClientConnector: resolves targets into addresses, keeps one Http2SessionManager
 * per address and picks one per call.
 * - pick_first: the first ready address in resolution order; when none is ready, the first
 *   address not in backoff is dialed (failing over down the list).
 * - round_robin: every address is dialed; calls rotate over the ready ones.
 * An address that failed sits in backoff (transient_failure) and is skipped until it comes back.
 * With no ready address, a call with a deadline waits for one (up to its deadline); a call
 * without a deadline fails fast with UNAVAILABLE once every address is in backoff, like gRPC's
 * default (wait_for_ready = false).
 */
export class Http2LoadBalancer implements ClientConnector {
  private managers: Http2SessionManager[] = [];
  private readonly retired = new Set<Http2SessionManager>();
  private readonly waiters = new Set<PickWaiter>();
  private readonly listeners = new Set<(state: ConnectorState) => void>();
  private resolving: Promise<void> | undefined;
  private resolveTimer: NodeJS.Timeout | undefined;
  private resolved = false;
  private resolveError: TripleError | undefined;
  private lastResolveAt = 0;
  private rrIndex = 0;
  private aggregate: ConnectorState = 'disconnected';
  private closed = false;

  constructor(
    private readonly resolver: AddressResolver,
    private readonly policy: 'pick_first' | 'round_robin',
    private readonly managerOptions: SessionManagerOptions,
  ) {}

  get sessionCount(): number {
    let count = 0;
    for (const m of this.managers) count += m.sessionCount;
    for (const m of this.retired) count += m.sessionCount;
    return count;
  }

  onStateChange(listener: (state: ConnectorState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  open(init: ClientRequestInit): Promise<ClientCall> {
    // A ready address (the usual case) opens the stream without waiting on a promise first.
    const now = this.tryPickNow(init.cancel, init.deadline !== undefined);
    if (now instanceof Http2SessionManager) return now.openStream(init);
    return (now ?? this.pick(init.cancel, init.deadline !== undefined)).then((manager) => manager.openStream(init));
  }

  async connect(deadline?: number): Promise<void> {
    const cancel = new CancelSource();
    let timer: NodeJS.Timeout | undefined;
    if (deadline !== undefined) {
      timer = setTimeout(() => cancel.cancel(connectionError('no connection became ready before the deadline')), Math.max(0, deadline - Date.now()));
    }
    try {
      await this.pick(cancel, deadline !== undefined);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.resolveTimer) clearTimeout(this.resolveTimer);
    const error = connectionError('the client transport was closed');
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
    const all = [...this.managers, ...this.retired];
    this.managers = [];
    await Promise.all(all.map((m) => m.close()));
    this.retired.clear();
    this.setAggregate('closed');
  }

  /** Resolves with a ready address, waiting (see class doc) when there is none. */
  private pick(cancel: CancelSignal, waitForReady: boolean): Promise<Http2SessionManager> {
    const now = this.tryPickNow(cancel, waitForReady);
    if (now instanceof Http2SessionManager) return Promise.resolve(now);
    return now ?? new Promise((resolve, reject) => {
      const waiter: PickWaiter = {
        waitForReady,
        resolve: (m) => (cancel.unsubscribe(waiter), resolve(m)),
        reject: (e) => (cancel.unsubscribe(waiter), reject(e)),
        cancel: (reason) => {
          this.waiters.delete(waiter);
          reject(this.explainTimeout(reason));
        },
      };
      cancel.subscribe(waiter);
      this.waiters.add(waiter);
    });
  }

  /** A ready manager, a rejected promise to fail with, or undefined to wait. */
  private tryPickNow(cancel: CancelSignal, waitForReady: boolean): Http2SessionManager | Promise<never> | undefined {
    if (cancel.reason) return Promise.reject(cancel.reason);
    const now = this.tryPick(waitForReady);
    if (now === undefined || now instanceof Http2SessionManager) return now;
    return Promise.reject(now);
  }

  /** A deadline that passed while no address was ready says why nothing was ready. */
  private explainTimeout(reason: unknown): unknown {
    const last = this.managers.find((m) => m.lastError)?.lastError ?? this.resolveError;
    if (!(reason instanceof TripleError) || reason.code !== Code.DEADLINE_EXCEEDED || !last) return reason;
    return new TripleError(Code.DEADLINE_EXCEEDED, `${reason.rawMessage} while waiting for a connection; last error: ${last.rawMessage}`, { cause: last });
  }

  /** A ready manager, an error to fail with, or undefined to wait. */
  private tryPick(waitForReady: boolean): Http2SessionManager | TripleError | undefined {
    if (this.closed) return connectionError('the client transport is closed');
    if (!this.resolved) {
      this.startResolve();
      return undefined;
    }
    if (this.managers.length === 0) {
      if (!waitForReady) return this.resolveError ?? connectionError('the target resolved to no address');
      this.scheduleResolve();
      return undefined;
    }
    let ready: Http2SessionManager | undefined;
    let readyCount = 0;
    let connecting = false;
    for (const m of this.managers) {
      if (m.state === 'ready') {
        readyCount++;
        ready ??= m;
      } else if (m.state === 'connecting') connecting = true;
    }
    if (this.policy === 'round_robin') {
      for (const m of this.managers) if (m.state === 'idle') (m.connect(), (connecting = true));
      if (readyCount > 0) return this.nthReady(this.rrIndex++ % readyCount);
    } else {
      if (ready) return ready;
      if (!connecting) {
        const idle = this.managers.find((m) => m.state === 'idle');
        if (idle) (idle.connect(), (connecting = true));
      }
    }
    if (connecting || waitForReady) return undefined;
    // Every address is in backoff: fail fast, naming the most relevant failure.
    this.maybeReresolve();
    return this.managers.find((m) => m.lastError)?.lastError ?? connectionError('no address is reachable');
  }

  private nthReady(n: number): Http2SessionManager {
    for (const m of this.managers) if (m.state === 'ready' && n-- === 0) return m;
    return this.managers[0]!;
  }

  private startResolve(): void {
    if (this.resolving || this.closed) return;
    this.lastResolveAt = Date.now();
    this.setAggregate('connecting');
    this.resolving = this.resolver.resolve().then((result) => {
      this.resolving = undefined;
      if (this.closed) return;
      this.resolved = true;
      this.resolveError = result.error;
      if (result.endpoints.length > 0) this.applyEndpoints(result);
      this.onChange();
    });
  }

  /** Resolution found nothing: try again after the minimum interval (calls are waiting). */
  private scheduleResolve(): void {
    if (this.resolving || this.resolveTimer || this.closed) return;
    const wait = Math.max(0, this.lastResolveAt + MIN_RERESOLVE_INTERVAL_MS - Date.now());
    this.resolveTimer = setTimeout(() => {
      this.resolveTimer = undefined;
      this.startResolve();
    }, wait);
    this.resolveTimer.unref();
  }

  /** Re-resolves DNS targets after failures, at most every MIN_RERESOLVE_INTERVAL_MS. */
  private maybeReresolve(): void {
    if (!this.resolver.hasDnsTargets || Date.now() - this.lastResolveAt < MIN_RERESOLVE_INTERVAL_MS) return;
    this.startResolve();
  }

  private applyEndpoints(result: Awaited<ReturnType<AddressResolver['resolve']>>): void {
    const byKey = new Map(this.managers.map((m) => [m.endpoint.key, m]));
    const next: Http2SessionManager[] = [];
    for (const endpoint of result.endpoints) {
      let manager = byKey.get(endpoint.key);
      if (manager) byKey.delete(endpoint.key);
      else {
        manager = new Http2SessionManager(endpoint, this.managerOptions);
        manager.onStateChange = (m) => this.onManagerState(m);
      }
      next.push(manager);
    }
    // Addresses that disappeared finish their calls, then close.
    for (const gone of byKey.values()) {
      this.retired.add(gone);
      void gone.close(true).then(() => this.retired.delete(gone));
    }
    this.managers = next;
  }

  private onManagerState(manager: Http2SessionManager): void {
    if (manager.state === 'transient_failure' || (manager.state === 'idle' && manager.lastError)) this.maybeReresolve();
    this.onChange();
  }

  /** Re-runs waiting picks and recomputes the aggregate state. */
  private onChange(): void {
    for (const waiter of this.waiters) {
      const picked = this.tryPick(waiter.waitForReady);
      if (picked === undefined || !this.waiters.has(waiter)) continue;
      this.waiters.delete(waiter);
      if (picked instanceof Http2SessionManager) waiter.resolve(picked);
      else waiter.reject(picked);
    }
    if (this.closed) return;
    const states = this.managers.map((m) => m.state);
    if (states.includes('ready')) this.setAggregate('connected');
    else if (this.resolving || states.includes('connecting')) this.setAggregate('connecting');
    else this.setAggregate('disconnected');
  }

  private setAggregate(state: ConnectorState): void {
    if (state === this.aggregate) return;
    this.aggregate = state;
    for (const listener of this.listeners) listener(state);
  }
}
