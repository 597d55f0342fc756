import type { ClientHttp2Session, OutgoingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import type { ClientRequestInit } from '../core/client-call.js';
import type { ClientTlsOptions } from '../core/client-options.js';
import type { TripleError } from '../core/triple-error.js';
import { ClientKeepalive, type ClientKeepaliveSettings } from './client-keepalive.js';
import { H2ClientCall } from './client-stream-adapter.js';
import { connectSession, type Endpoint } from './connect-session.js';
import { connectionError } from './h2-error.js';

/**
 * connecting → ready (peer SETTINGS) → draining (GOAWAY, idle close, stream ids exhausted:
 * no new streams, existing ones finish) → closed. A session that closes while connecting
 * failed to connect; `error` says why.
 */
export type SessionState = 'connecting' | 'ready' | 'draining' | 'closed';

export interface ClientSessionOptions {
  readonly tls: ClientTlsOptions | undefined;
  readonly connectTimeoutMs: number;
  readonly keepalive: ClientKeepaliveSettings;
  /** Close the session after this long without calls, ms; 0 = never. */
  readonly idleTimeoutMs: number;
}

/** What the owner (the address's session manager) hears from a session. */
export interface ClientSessionEvents {
  onReady(session: ClientSession): void;
  /** A GOAWAY arrived (`code`, `opaque` as received); the session drains right after. */
  onGoaway(session: ClientSession, code: number, opaque: Buffer | undefined): void;
  /** The session stopped taking new streams. */
  onDrain(session: ClientSession): void;
  /** A stream ended, so a slot is free. */
  onStreamDone(session: ClientSession): void;
  /** The session is gone; `wasConnecting` = it never became ready. */
  onClose(session: ClientSession, wasConnecting: boolean): void;
}

/**
 * One HTTP/2 connection of a client and everything timed about it: the connect timeout, the
 * keepalive PINGs, the idle timer, the stream accounting that decides whether it has a free
 * slot (peer's SETTINGS_MAX_CONCURRENT_STREAMS), and ref/unref: the socket holds the process
 * open only while it carries calls (or while connecting), as grpc-js channels do.
 */
export class ClientSession {
  state: SessionState = 'connecting';
  /** Why it closed: a socket error, a connect timeout, a missing PING ack. */
  error: unknown;
  private active = 0;
  private goawayLastStreamId = Infinity;
  private readonly calls = new Set<H2ClientCall>();
  private readonly session: ClientHttp2Session;
  private readonly socket: Socket;
  private keepalive: ClientKeepalive | undefined;
  /** The connect timeout while connecting. */
  private timer: NodeJS.Timeout | undefined;
  /** Checks for the idle timeout; stays armed across calls (see becomeIdle). */
  private idleTimer: NodeJS.Timeout | undefined;
  /** When the last call ended (Date.now()), 0 while calls are active. */
  private idleSince = 0;
  /** Settles once the session emitted 'close'. */
  readonly closed: Promise<void>;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly options: ClientSessionOptions,
    private readonly events: ClientSessionEvents,
  ) {
    const { session, socket } = connectSession(endpoint, options.tls);
    this.session = session;
    this.socket = socket;
    // Make sure a failed socket ends the session (see DialedSession.socket).
    socket.on('error', (error) => {
      this.error ??= error;
      setImmediate(() => socket.destroy());
    });
    this.timer = setTimeout(() => {
      this.error = connectionError(`connecting to ${endpoint.key} timed out after ${options.connectTimeoutMs} ms`);
      session.destroy();
      socket.destroy();
    }, options.connectTimeoutMs);
    this.timer.unref();
    session.once('remoteSettings', this.onRemoteSettings);
    session.on('goaway', (code: number, lastStreamId: number, opaque?: Buffer) => {
      this.goawayLastStreamId = Math.min(this.goawayLastStreamId, lastStreamId);
      this.events.onGoaway(this, code, opaque);
      this.drain();
    });
    session.on('error', (error) => (this.error ??= error));
    session.on('frameError', noop);
    this.closed = new Promise((resolve) => session.once('close', () => {
      this.onClosed();
      resolve();
    }));
  }

  /** Ready and below the peer's concurrent-stream limit. */
  get hasCapacity(): boolean {
    if (this.state !== 'ready' || this.session.destroyed || this.session.closed) return false;
    return this.active < (this.session.remoteSettings.maxConcurrentStreams ?? Infinity);
  }

  /** Opens a stream; throws UNAVAILABLE (and drains) when the session takes no more. */
  request(init: ClientRequestInit): H2ClientCall {
    // The headers object is the attempt's own: adding the pseudo-headers in place saves a copy.
    const headers = init.headers as OutgoingHttpHeaders;
    headers[':method'] = 'POST';
    headers[':path'] = init.path;
    headers[':authority'] = this.endpoint.authority;
    headers[':scheme'] = this.options.tls ? 'https' : 'http';
    let stream;
    try {
      stream = this.session.request(headers, { endStream: false });
    } catch (e) {
      // GOAWAY received, session closing, stream ids exhausted: no more streams here.
      this.drain();
      throw connectionError(`cannot open a stream to ${this.endpoint.key}`, e);
    }
    if (this.active++ === 0) {
      this.session.ref();
      this.idleSince = 0;
    }
    const call: H2ClientCall = new H2ClientCall(stream, this.session, this.endpoint.key, init.cancel,
      () => this.goawayLastStreamId, () => this.onStreamClosed(call));
    this.calls.add(call);
    return call;
  }

  /** No new streams; the session closes once its calls are done. */
  drain(): void {
    if (this.state === 'draining' || this.state === 'closed') return;
    this.state = 'draining';
    this.clearTimer();
    this.stopIdleTimer();
    if (this.active === 0 && !this.session.closed) this.session.close();
    this.events.onDrain(this);
  }

  /** Fails every call with `reason`, then drops the connection at once. */
  destroy(reason: TripleError): void {
    this.stopTimers();
    for (const call of this.calls) call.cancel(reason);
    this.session.destroy();
    this.socket.destroy();
  }

  /** Stops the timers and lets in-flight calls finish before the session closes. */
  closeGracefully(): void {
    if (this.state === 'connecting') return this.destroy(connectionError('the client transport was closed'));
    this.stopTimers();
    this.state = 'draining';
    this.session.close();
  }

  private readonly onRemoteSettings = (): void => {
    if (this.state !== 'connecting' || this.session.destroyed) return;
    this.clearTimer();
    this.state = 'ready';
    this.keepalive = new ClientKeepalive(this.session, this.options.keepalive, () => this.active, () => {
      this.error = connectionError(`no PING ack from ${this.endpoint.key} within ${this.options.keepalive.timeoutMs} ms`);
      this.session.destroy();
      this.socket.destroy();
    });
    this.events.onReady(this);
    if (this.active === 0) this.becomeIdle();
  };

  private onStreamClosed(call: H2ClientCall): void {
    this.calls.delete(call);
    this.active--;
    if (this.state === 'closed') return;
    this.events.onStreamDone(this);
    if (this.active > 0) return;
    if (this.state === 'draining') this.session.close();
    else if (this.state === 'ready') this.becomeIdle();
  }

  /**
   * No calls: let the process exit, and close the session after the idle timeout. The timer is
   * not cleared when a call starts: when it fires it checks how long the session has really
   * been idle and re-arms for the rest, so one call at a time costs no timer per call.
   */
  private becomeIdle(): void {
    this.session.unref();
    this.idleSince = Date.now();
    if (this.options.idleTimeoutMs > 0 && !this.idleTimer) this.armIdleTimer(this.options.idleTimeoutMs);
  }

  private armIdleTimer(ms: number): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.active > 0 || this.state !== 'ready') return;
      const left = this.idleSince + this.options.idleTimeoutMs - Date.now();
      if (left > 0) this.armIdleTimer(left);
      else this.drain();
    }, ms);
    this.idleTimer.unref();
  }

  private onClosed(): void {
    const wasConnecting = this.state === 'connecting';
    this.state = 'closed';
    this.stopTimers();
    this.events.onClose(this, wasConnecting);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private stopTimers(): void {
    this.clearTimer();
    this.stopIdleTimer();
    this.keepalive?.stop();
  }
}

function noop(): void {}
