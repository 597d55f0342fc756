import { constants, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { Backoff, type BackoffOptions } from '../core/backoff.js';
import type { ClientRequestInit } from '../core/client-call.js';
import type { ClientKeepaliveOptions, ClientTlsOptions } from '../core/client-options.js';
import { Code } from '../core/code.js';
import { TripleError } from '../core/triple-error.js';
import { ClientKeepalive } from './client-keepalive.js';
import { H2ClientCall } from './client-stream-adapter.js';
import { connectSession, type Endpoint } from './connect-session.js';
import { connectionError } from './h2-error.js';

const { NGHTTP2_ENHANCE_YOUR_CALM } = constants;

export interface SessionManagerOptions {
  readonly tls: ClientTlsOptions | undefined;
  readonly connectTimeoutMs: number;
  readonly keepalive: Required<ClientKeepaliveOptions>;
  readonly reconnectBackoff: BackoffOptions;
}

/**
 * State of one address, gRPC's connectivity states (doc/connectivity-semantics-and-api.md):
 *
 *   idle ──connect()──▶ connecting ──SETTINGS──▶ ready ──GOAWAY / lost / idle timeout──▶ idle
 *                           │                                                     (next call reconnects
 *                           └─failed / timed out──▶ transient_failure ──backoff──▶ idle   at once)
 *   any ──close()──▶ closed
 *
 * Each session has its own lifecycle: connecting → ready → draining (GOAWAY received or idle
 * close: no new streams, existing ones finish) → closed. The address is `ready` while one of
 * its sessions is; a GOAWAY therefore moves it to `idle` at once, and the next call opens a new
 * session while the old one drains.
 */
export type AddressState = 'idle' | 'connecting' | 'ready' | 'transient_failure' | 'closed';

interface SessionEntry {
  readonly session: ClientHttp2Session;
  state: 'connecting' | 'ready' | 'draining' | 'closed';
  active: number;
  goawayLastStreamId: number;
  readonly calls: Set<H2ClientCall>;
  keepalive: ClientKeepalive | undefined;
  timer: NodeJS.Timeout | undefined;
  error: unknown;
}

interface Waiter {
  init: ClientRequestInit;
  resolve(call: H2ClientCall): void;
  reject(error: TripleError): void;
}

/**
 * The HTTP/2 sessions to one address, shared by every service and call of a transport
 * (grpc-js creates one channel per Nest service; we do not). Connects lazily, opens a second
 * session only when the peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached, reconnects with
 * gRPC's connection backoff. Sessions are ref'd only while they carry calls, so an idle
 * client never keeps a process alive; close() leaves no socket or timer behind.
 */
export class Http2SessionManager {
  private readonly sessions: SessionEntry[] = [];
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
   * (nothing was sent) when the session cannot be had, or with the signal's reason.
   */
  openStream(init: ClientRequestInit): Promise<H2ClientCall> {
    if (this.current === 'closed') return Promise.reject(connectionError('the client transport is closed'));
    if (init.signal.aborted) return Promise.reject(init.signal.reason);
    const entry = this.sessionWithCapacity();
    if (entry) {
      try {
        return Promise.resolve(this.request(entry, init));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.current === 'transient_failure') {
      return Promise.reject(this.lastError ?? connectionError(`no connection to ${this.endpoint.key}`));
    }
    return new Promise<H2ClientCall>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(init.signal.reason);
      };
      const waiter: Waiter = {
        init,
        resolve: (call) => (init.signal.removeEventListener('abort', onAbort), resolve(call)),
        reject: (error) => (init.signal.removeEventListener('abort', onAbort), reject(error)),
      };
      init.signal.addEventListener('abort', onAbort);
      this.waiters.add(waiter);
      if (!this.sessions.some((s) => s.state === 'connecting')) this.startSession();
    });
  }

  /**
   * Closes this address for good. By default every call fails with CANCELLED and sessions are
   * destroyed; `graceful` (an address that left the DNS answer) lets in-flight calls finish.
   * Resolves once every session is closed; no timer or socket is left.
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
    await Promise.all(this.sessions.map((entry) => new Promise<void>((resolve) => {
      entry.session.once('close', () => resolve());
      if (entry.timer) clearTimeout(entry.timer);
      entry.keepalive?.stop();
      if (graceful && entry.state !== 'connecting') {
        entry.state = 'draining';
        entry.session.close();
        return;
      }
      for (const call of entry.calls) call.cancel(cancelled);
      entry.session.destroy();
    })));
  }

  private sessionWithCapacity(): SessionEntry | undefined {
    for (const entry of this.sessions) {
      if (entry.state !== 'ready' || entry.session.destroyed || entry.session.closed) continue;
      const limit = entry.session.remoteSettings.maxConcurrentStreams ?? Infinity;
      if (entry.active < limit) return entry;
    }
    return undefined;
  }

  private request(entry: SessionEntry, init: ClientRequestInit): H2ClientCall {
    const headers: OutgoingHttpHeaders = {
      ...init.headers,
      ':method': 'POST',
      ':path': init.path,
      ':authority': this.endpoint.authority,
      ':scheme': this.options.tls ? 'https' : 'http',
    };
    let stream;
    try {
      stream = entry.session.request(headers, { endStream: false });
    } catch (e) {
      // GOAWAY received, session closing, stream ids exhausted: this session takes no more streams.
      this.drain(entry);
      throw connectionError(`cannot open a stream to ${this.endpoint.key}`, e);
    }
    entry.active++;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.active === 1) entry.session.ref();
    const call: H2ClientCall = new H2ClientCall(stream, entry.session, this.endpoint.key, init.signal,
      () => entry.goawayLastStreamId, () => this.onStreamDone(entry, call));
    entry.calls.add(call);
    return call;
  }

  private onStreamDone(entry: SessionEntry, call: H2ClientCall): void {
    entry.calls.delete(call);
    entry.active--;
    if (this.current === 'closed') return;
    if (entry.state === 'ready' && this.waiters.size > 0) this.serveWaiters(entry);
    if (entry.active > 0) return;
    if (entry.state === 'draining') {
      entry.session.close();
    } else if (entry.state === 'ready') {
      entry.session.unref();
      this.armIdleTimer(entry);
    }
  }

  private startSession(): void {
    const session = connectSession(this.endpoint, this.options.tls);
    const entry: SessionEntry = {
      session, state: 'connecting', active: 0, goawayLastStreamId: Infinity, calls: new Set(),
      keepalive: undefined, timer: undefined, error: undefined,
    };
    this.sessions.push(entry);
    entry.timer = setTimeout(() => {
      entry.error = connectionError(`connecting to ${this.endpoint.key} timed out after ${this.options.connectTimeoutMs} ms`);
      session.destroy();
    }, this.options.connectTimeoutMs);
    entry.timer.unref();
    session.once('remoteSettings', () => this.onReady(entry));
    session.on('goaway', (code: number, lastStreamId: number, opaque?: Buffer) => this.onGoaway(entry, code, lastStreamId, opaque));
    session.on('error', (error) => (entry.error ??= error));
    session.on('frameError', noop);
    session.once('close', () => this.onSessionClose(entry));
    this.updateState();
  }

  private onReady(entry: SessionEntry): void {
    if (entry.state !== 'connecting' || entry.session.destroyed) return;
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.state = 'ready';
    this.backoff.reset();
    this.lastError = undefined;
    const { timeoutMs, permitWithoutCalls } = this.options.keepalive;
    entry.keepalive = new ClientKeepalive(entry.session, { timeMs: this.keepaliveTimeMs, timeoutMs, permitWithoutCalls },
      () => entry.active, () => {
        entry.error = connectionError(`no PING ack from ${this.endpoint.key} within ${timeoutMs} ms`);
        entry.session.destroy();
      });
    this.serveWaiters(entry);
    if (entry.active === 0) {
      entry.session.unref();
      this.armIdleTimer(entry);
    }
    this.updateState();
  }

  /** Hands queued calls to a ready session; dials another one when its slots run out. */
  private serveWaiters(entry: SessionEntry): void {
    for (const waiter of this.waiters) {
      if (entry.state !== 'ready' || entry.active >= (entry.session.remoteSettings.maxConcurrentStreams ?? Infinity)) break;
      this.waiters.delete(waiter);
      try {
        waiter.resolve(this.request(entry, waiter.init));
      } catch (e) {
        waiter.reject(e as TripleError);
      }
    }
    if (this.waiters.size > 0 && this.current !== 'transient_failure' && !this.sessions.some((s) => s.state === 'connecting')) {
      this.startSession();
    }
  }

  private onGoaway(entry: SessionEntry, code: number, lastStreamId: number, opaque?: Buffer): void {
    entry.goawayLastStreamId = Math.min(entry.goawayLastStreamId, lastStreamId);
    // gRPC doubles the keepalive interval when a server says we ping too often.
    if (code === NGHTTP2_ENHANCE_YOUR_CALM && opaque?.toString() === 'too_many_pings' && this.keepaliveTimeMs > 0) {
      this.keepaliveTimeMs = Math.min(this.keepaliveTimeMs * 2, 0x7fffffff);
    }
    this.drain(entry);
  }

  /** No new streams on this session; it closes once its calls are done. */
  private drain(entry: SessionEntry): void {
    if (entry.state === 'draining' || entry.state === 'closed') return;
    entry.state = 'draining';
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    if (entry.active === 0 && !entry.session.closed) entry.session.close();
    this.updateState();
  }

  private armIdleTimer(entry: SessionEntry): void {
    const idleMs = this.options.keepalive.idleTimeoutMs;
    if (idleMs <= 0) return;
    entry.timer = setTimeout(() => {
      if (entry.active === 0) this.drain(entry);
    }, idleMs);
    entry.timer.unref();
  }

  private onSessionClose(entry: SessionEntry): void {
    const wasConnecting = entry.state === 'connecting';
    entry.state = 'closed';
    if (entry.timer) clearTimeout(entry.timer);
    entry.keepalive?.stop();
    this.sessions.splice(this.sessions.indexOf(entry), 1);
    if (this.current === 'closed') return;
    if (wasConnecting) {
      this.lastError = connectionError(`cannot connect to ${this.endpoint.key}`, entry.error);
      if (!this.sessions.some((s) => s.state === 'connecting' || s.state === 'ready')) {
        for (const waiter of this.waiters) waiter.reject(this.lastError);
        this.waiters.clear();
        this.scheduleReconnect();
      }
    } else if (entry.error !== undefined) {
      this.lastError = connectionError(`the connection to ${this.endpoint.key} was lost`, entry.error);
    }
    this.updateState();
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

function noop(): void {}
