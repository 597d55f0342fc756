import type { IncomingMessage, Server as Http1Server, ServerResponse } from 'node:http';
import {
  createServer as createH2Server,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { ServerCall } from '../core/server-call.js';
import { awaitFirstBytes, createHttp1Server, limitConnections, stopHttp1Server } from './connection-limits.js';
import { H1ServerCall } from './h1-server-call.js';
import { H2ServerCall } from './h2-server-call.js';
import type { HttpServerOptions } from './server-options.js';
import { SessionGuard, type CalmReason } from './session-guard.js';

/** Every HTTP/2 window starts at this size (RFC 9113 §6.9.2). */
const DEFAULT_HTTP2_WINDOW = 65_535;

/** The HTTP/2 client connection preface starts with these bytes ("PRI * HTTP/2.0"). */
const H2_PREFACE_START = Buffer.from('PRI * HTTP/2.0');

/** Counters of the defences that fired, for tests and metrics. */
export interface DefenceStats {
  /** Sessions closed with GOAWAY ENHANCE_YOUR_CALM, by reason. */
  calmed: Record<CalmReason, number>;
}

/**
 * One listening port serving HTTP/2 and HTTP/1.1 side by side. Cleartext connections are told
 * apart by their first bytes (the HTTP/2 preface vs an HTTP/1 request line), TLS ones by ALPN.
 * Every request becomes a ServerCall handed to `onCall`. The limits of {@link HttpServerOptions}
 * apply per listener (connections, handshake time), per HTTP/2 session ({@link SessionGuard} and
 * node:http2's own) and per HTTP/1.1 connection (read timeouts).
 */
export class TripleHttpServer {
  private readonly h2: Http2Server;
  private readonly h1: Http1Server;
  private readonly listener: NetServer | TlsServer;
  private readonly sessions = new Map<Http2Session, SessionGuard>();
  private readonly sockets = new Set<Socket>();
  private closing = false;
  /** The socket whose HTTP/2 session is being created right now (see dispatch). */
  private connecting: Socket | undefined;
  readonly stats: DefenceStats = { calmed: { too_many_pings: 0, too_many_resets: 0, too_many_settings: 0, too_many_small_frames: 0 } };

  constructor(
    private readonly options: HttpServerOptions,
    private readonly onCall: (call: ServerCall) => void,
  ) {
    const settings = {
      maxConcurrentStreams: options.maxConcurrentStreams,
      maxHeaderListSize: options.maxHeaderListSize,
      initialWindowSize: options.initialWindowSize,
    };
    const { http2 } = options;
    this.h2 = createH2Server({
      settings,
      maxSessionMemory: http2.maxSessionMemoryMb,
      maxHeaderListPairs: http2.maxHeaderListPairs,
      maxSessionInvalidFrames: http2.maxSessionInvalidFrames,
      maxSessionRejectedStreams: http2.maxSessionRejectedStreams,
    });
    this.h1 = createHttp1Server(options, (req, res) => this.onHttp1Request(req, res));
    if (options.tls) {
      // Our own TLS listener picks the protocol by ALPN and hands the decrypted socket to the
      // same plain h2 / http1 servers the cleartext path uses: one code path for both.
      const { key, cert, ca, requestCert = false, rejectUnauthorized = requestCert } = options.tls;
      const secure = createTlsServer({
        key,
        cert,
        ca,
        requestCert,
        rejectUnauthorized,
        ALPNProtocols: ['h2', 'http/1.1'],
        minVersion: 'TLSv1.2',
        handshakeTimeout: options.handshakeTimeoutMs,
      });
      secure.on('secureConnection', (socket: TLSSocket) => this.track(socket) && this.dispatch(socket, socket.alpnProtocol === 'h2'));
      // A failed or timed-out handshake is the client's problem, not a crash; with a listener node
      // leaves the socket open (a silent client would hold it forever), so it is closed here.
      secure.on('tlsClientError', (_error: Error, socket: TLSSocket) => socket.destroy());
      this.listener = secure;
    } else {
      this.listener = createNetServer((socket) => this.track(socket) && this.sniff(socket));
    }
    limitConnections(this.listener, options.maxConnections);
    this.h2.on('session', (session: Http2Session) => this.onSession(session));
    this.h2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => this.onStream(stream, headers, rawHeaders));
    this.h2.on('sessionError', () => undefined);
  }

  /** The native listening server: a net.Server (cleartext) or tls.Server. */
  get nativeServer(): NetServer | TlsServer {
    return this.listener;
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.listener.once('error', onError);
      this.listener.listen(this.options.port, this.options.host, () => {
        this.listener.off('error', onError);
        resolve(this.listener.address() as AddressInfo);
      });
    });
  }

  get address(): AddressInfo | undefined {
    return (this.listener.address() as AddressInfo | null) ?? undefined;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /**
   * Stops accepting, sends GOAWAY so clients open no new streams, and resolves once every
   * connection is gone. Callers force-end remaining calls (then `destroyAll`) after their grace period.
   */
  close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    for (const session of this.sessions.keys()) session.close();
    stopHttp1Server(this.h1);
    return closed.then(() => this.whenAllClosed());
  }

  /** Drops every connection now (after the grace period ran out). */
  destroyAll(): void {
    for (const session of this.sessions.keys()) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    this.h1.closeAllConnections();
  }

  /**
   * Resolves once every connection is gone. A destroyed socket counts as gone even before its
   * 'close' event. The poll timer is deliberately not unref'd: a pending close() must keep the
   * process alive, or the caller's await would be dropped when nothing else holds the loop.
   */
  private whenAllClosed(): Promise<void> {
    const gone = (): boolean =>
      [...this.sessions.keys()].every((s) => s.destroyed) && [...this.sockets].every((s) => s.destroyed);
    if (gone()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (gone()) resolve();
        else setTimeout(check, 10);
      };
      check();
    });
  }

  private track(socket: Socket): boolean {
    if (this.closing) {
      socket.destroy();
      return false;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    return true;
  }

  private dispatch(socket: Socket, isH2: boolean): void {
    if (!isH2) {
      this.h1.emit('connection', socket);
      return;
    }
    // node creates the session (and emits 'session') synchronously inside emit('connection').
    this.connecting = socket;
    try {
      this.h2.emit('connection', socket);
    } finally {
      this.connecting = undefined;
    }
  }

  private sniff(socket: Socket): void {
    awaitFirstBytes(socket, this.options.handshakeTimeoutMs, (head) => {
      const isH2 = head.length >= H2_PREFACE_START.length
        ? head.subarray(0, H2_PREFACE_START.length).equals(H2_PREFACE_START)
        : H2_PREFACE_START.subarray(0, head.length).equals(head);
      this.dispatch(socket, isH2);
    });
  }

  private onSession(session: Http2Session): void {
    const guard = new SessionGuard(session, this.connecting, this.options, (reason) => this.stats.calmed[reason]++);
    this.sessions.set(session, guard);
    session.once('close', () => {
      guard.stop();
      this.sessions.delete(session);
    });
    session.on('error', () => undefined);
    // The connection window is not a SETTINGS value: it grows with a WINDOW_UPDATE, which node
    // sends for setLocalWindowSize once the session is up.
    if (this.options.connectionWindowSize > DEFAULT_HTTP2_WINDOW) session.setLocalWindowSize(this.options.connectionWindowSize);
    if (this.closing) session.close();
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[]): void {
    const guard = this.sessions.get(stream.session as Http2Session);
    guard?.onStream(stream);
    this.onCall(new H2ServerCall(stream, headers, rawHeaders, guard));
  }

  private onHttp1Request(req: IncomingMessage, res: ServerResponse): void {
    if (this.closing) res.setHeader('connection', 'close');
    this.onCall(new H1ServerCall(req, res));
  }
}
