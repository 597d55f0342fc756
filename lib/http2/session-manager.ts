import { constants } from 'node:http2';
import { Backoff, type BackoffOptions } from '../core/backoff.js';
import type { Cancellable } from '../core/call-cancel.js';
import type { ClientRequestInit } from '../core/client-call.js';
import type { ClientKeepaliveOptions, ClientTlsOptions } from '../core/client-options.js';
import { Code } from '../core/code.js';
import { TripleError } from '../core/triple-error.js';
import { ClientSession, type ClientSessionEvents } from './client-session.js';
import type { H2ClientCall } from './client-stream-adapter.js';
import type { Endpoint } from './connect-session.js';
import { connectionError } from './h2-error.js';

const { NGHTTP2_ENHANCE_YOUR_CALM } = constants;

export interface SessionManagerOptions {
  readonly tls: ClientTlsOptions | undefined;
  readonly connectTimeoutMs: number;
  readonly keepalive: Required<ClientKeepaliveOptions>;
  readonly reconnectBackoff: BackoffOptions;
}

/**
 * State of one address — gRPC's connectivity states (doc/connectivity-semantics-and-api.md):
 *
 *   idle ──connect()──▶ connecting ──peer SETTINGS──▶ ready ──GOAWAY / lost / idle close──▶ idle
 *                           │                                          (the next call reconnects at once)
 *                           └──failed / timed out──▶ transient_failure ──backoff──▶ idle
 *   any ──close()──▶ closed
 *
 * The address is `ready` while one of its sessions is (see ClientSession for a session's own
 * states). A GOAWAY therefore moves it to `idle` at once: the next call opens a new session
 * while the old one drains its calls.
 */
export type AddressState = 'idle' | 'connecting' | 'ready' | 'transient_failure' | 'closed';

interface Waiter extends Cancellable {
  readonly init: ClientRequestInit;
  resolve(call: H2ClientCall): void;
  reject(error: TripleError): void;
}

/**
 * The HTTP/2 sessions to one address, shared by every service and call of a transport
 * (grpc-js creates one channel per Nest service; we do not). Connects lazily, opens a second
 * session only when the peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached, and backs off
 * between failed connection attempts with gRPC's connection backoff.
 */
export class Http2SessionManager implements ClientSessionEvents {
  private readonly sessions: ClientSession[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly backoff: Backoff;
  private backoffTimer: NodeJS.Timeout | undefined;
  private current: AddressState = 'idle';
  private keepaliveTimeMs: number;
  /** Last connection failure, quoted when calls fail for lack of a ready address. */
  lastError: TripleError | undefined;
  onStateChange: ((manager: Http2SessionManager) => void) | undefined;

  constructor(
    readonly endpoint: Endpoint,
    private readonly options: SessionManagerOptions,
  ) {
    this.backoff = new Backoff(options.reconnectBackoff);
    this.keepaliveTimeMs = options.keepalive.timeMs;
  }

  get state(): AddressState {
    return this.current;
  }

  get sessionCount(): number {
    return this.sessions.length;
  }

  /** Starts connecting when idle; no-op in any other state. */
  connect(): void {
    if (this.current === 'idle') this.startSession();
  }

  /**
   * Opens a stream on a session with a free slot, dialing one if needed. Rejects UNAVAILABLE
   * (nothing was sent) when no session can be had, or with the cancellation's reason.
   */
  openStream(init: ClientRequestInit): Promise<H2ClientCall> {
    if (this.current === 'closed') return Promise.reject(connectionError('the client transport is closed'));
    if (init.cancel.reason) return Promise.reject(init.cancel.reason);
    const session = this.sessions.find((s) => s.hasCapacity);
    if (session) {
      try {
        return Promise.resolve(session.request(init));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.current === 'transient_failure') {
      return Promise.reject(this.lastError ?? connectionError(`no connection to ${this.endpoint.key}`));
    }
    return new Promise<H2ClientCall>((resolve, reject) => {
      const waiter: Waiter = {
        init,
        resolve: (call) => (init.cancel.unsubscribe(waiter), resolve(call)),
        reject: (error) => (init.cancel.unsubscribe(waiter), reject(error)),
        cancel: (reason) => {
          this.waiters.delete(waiter);
          reject(reason);
        },
      };
      init.cancel.subscribe(waiter);
      this.waiters.add(waiter);
      if (!this.sessions.some((s) => s.state === 'connecting')) this.startSession();
    });
  }

  /**
   * Closes this address for good. By default every call fails with CANCELLED and sessions are
   * destroyed; `graceful` (an address that left the DNS answer) lets in-flight calls finish.
   * Resolves once every session is closed; no timer or socket is left behind.
   */
  async close(graceful = false): Promise<void> {
    // A second, forceful close escalates a graceful one still waiting for its calls.
    if (this.current === 'closed' && (graceful || this.sessions.length === 0)) return;
    this.setState('closed');
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    const closing = connectionError('the client transport was closed');
    for (const waiter of this.waiters) waiter.reject(closing);
    this.waiters.clear();
    const cancelled = new TripleError(Code.CANCELLED, 'the client transport was closed');
    for (const session of this.sessions) {
      if (graceful) session.closeGracefully();
      else session.destroy(cancelled);
    }
    await Promise.all(this.sessions.map((s) => s.closed));
  }

  onReady(session: ClientSession): void {
    this.backoff.reset();
    this.lastError = undefined;
    this.serveWaiters(session);
    this.updateState();
  }

  onGoaway(_session: ClientSession, code: number, opaque: Buffer | undefined): void {
    // gRPC doubles the keepalive interval when the server says we PING too often.
    if (code === NGHTTP2_ENHANCE_YOUR_CALM && opaque?.toString() === 'too_many_pings' && this.keepaliveTimeMs > 0) {
      this.keepaliveTimeMs = Math.min(this.keepaliveTimeMs * 2, 0x7fffffff);
    }
  }

  onDrain(): void {
    this.updateState();
  }

  onStreamDone(session: ClientSession): void {
    if (this.current !== 'closed' && this.waiters.size > 0) this.serveWaiters(session);
  }

  onClose(session: ClientSession, wasConnecting: boolean): void {
    this.sessions.splice(this.sessions.indexOf(session), 1);
    if (this.current === 'closed') return;
    if (wasConnecting) {
      this.lastError = connectionError(`cannot connect to ${this.endpoint.key}`, session.error);
      if (!this.sessions.some((s) => s.state === 'connecting' || s.state === 'ready')) {
        for (const waiter of this.waiters) waiter.reject(this.lastError);
        this.waiters.clear();
        this.scheduleReconnect();
      }
    } else if (session.error !== undefined) {
      this.lastError = connectionError(`the connection to ${this.endpoint.key} was lost`, session.error);
    }
    this.updateState();
  }

  private startSession(): void {
    const { timeoutMs, permitWithoutCalls, idleTimeoutMs } = this.options.keepalive;
    this.sessions.push(new ClientSession(this.endpoint, {
      tls: this.options.tls,
      connectTimeoutMs: this.options.connectTimeoutMs,
      keepalive: { timeMs: this.keepaliveTimeMs, timeoutMs, permitWithoutCalls },
      idleTimeoutMs,
    }, this));
    this.updateState();
  }

  /** Hands queued calls to a session with free slots; dials another one when they run out. */
  private serveWaiters(session: ClientSession): void {
    for (const waiter of this.waiters) {
      if (!session.hasCapacity) break;
      this.waiters.delete(waiter);
      try {
        waiter.resolve(session.request(waiter.init));
      } catch (e) {
        waiter.reject(e as TripleError);
      }
    }
    if (this.waiters.size > 0 && this.current !== 'transient_failure' && !this.sessions.some((s) => s.state === 'connecting')) {
      this.startSession();
    }
  }

  private scheduleReconnect(): void {
    if (this.backoffTimer) return;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.updateState();
    }, this.backoff.next());
    this.backoffTimer.unref();
  }

  private updateState(): void {
    if (this.current === 'closed') return;
    let next: AddressState = 'idle';
    if (this.sessions.some((s) => s.state === 'ready')) next = 'ready';
    else if (this.sessions.some((s) => s.state === 'connecting')) next = 'connecting';
    else if (this.backoffTimer) next = 'transient_failure';
    this.setState(next);
  }

  private setState(next: AddressState): void {
    if (next === this.current) return;
    this.current = next;
    this.onStateChange?.(this);
  }
}
