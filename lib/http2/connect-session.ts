import { connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import type { ClientTlsOptions } from '../core/client-options.js';

/** One socket address to dial, and how to present ourselves to it. */
export interface Endpoint {
  /** IP address or host name to connect to. */
  readonly host: string;
  readonly port: number;
  /** `:authority` of requests: the target as the user wrote it (`name:port`), not the resolved IP. */
  readonly authority: string;
  /** TLS SNI / certificate name; undefined for IP targets without an override. */
  readonly servername: string | undefined;
  /** `host:port` (IPv6 in brackets): identity of the endpoint and the `peer` of its calls. */
  readonly key: string;
}

/** Builds an Endpoint; `targetHost` is the host the user named (used for SNI). */
export function createEndpoint(host: string, port: number, authority: string, targetHost: string, tls: ClientTlsOptions | undefined): Endpoint {
  const key = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  const servername = tls?.servername ?? (isIP(targetHost) === 0 ? targetHost : undefined);
  return { host, port, authority, servername, key };
}

/** Settings we announce: no server push (gRPC and Triple never use it). */
const CLIENT_SETTINGS = { enablePush: false };

/** A dialed session and the socket under it. */
export interface DialedSession {
  readonly session: ClientHttp2Session;
  /**
   * The transport socket, owned by us (node:http2 only sees it through `createConnection`), so
   * its failures are observable: when a TLS peer rejects us after the handshake (TLS 1.3
   * certificate_required alert), node 20 marks the session destroyed without ever emitting
   * 'close' — the owner destroys the socket on error to get the session to finish.
   */
  readonly socket: Socket;
}

/**
 * Dials one HTTP/2 session: h2c with prior knowledge in cleartext (what gRPC, dubbo-go and
 * dubbo-js do for `http://` targets), or TLS with ALPN `h2`. The session is returned at once;
 * the caller treats it as ready on the peer's first SETTINGS frame ('remoteSettings'), which
 * proves an HTTP/2 server is answering — not just a TCP port (or a proxy) accepting.
 */
export function connectSession(endpoint: Endpoint, tls: ClientTlsOptions | undefined): DialedSession {
  const hostInUrl = isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host;
  let socket: Socket;
  if (!tls) {
    socket = netConnect({ host: endpoint.host, port: endpoint.port });
  } else {
    const options: ConnectionOptions = {
      host: endpoint.host,
      port: endpoint.port,
      ALPNProtocols: ['h2'],
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
      minVersion: 'TLSv1.2',
    };
    if (endpoint.servername) options.servername = endpoint.servername;
    const secure = tlsConnect(options);
    secure.once('secureConnect', () => {
      if (secure.alpnProtocol !== 'h2') secure.destroy(new Error(`${endpoint.key} did not negotiate HTTP/2 (ALPN h2)`));
    });
    socket = secure;
  }
  const session = connect(`${tls ? 'https' : 'http'}://${hostInUrl}:${endpoint.port}`, { settings: CLIENT_SETTINGS, createConnection: () => socket });
  return { session, socket };
}
