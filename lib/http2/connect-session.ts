import { connect, type ClientHttp2Session, type SecureClientSessionOptions } from 'node:http2';
import { isIP } from 'node:net';
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

/**
 * Dials one HTTP/2 session: h2c with prior knowledge in cleartext (what gRPC, dubbo-go and
 * dubbo-js do for `http://` targets), or TLS with ALPN `h2`. The session is returned at once;
 * the caller treats it as ready on the peer's first SETTINGS frame ('remoteSettings'), which
 * proves an HTTP/2 server is answering — not just a TCP port (or a proxy) accepting.
 */
export function connectSession(endpoint: Endpoint, tls: ClientTlsOptions | undefined): ClientHttp2Session {
  const hostInUrl = isIP(endpoint.host) === 6 ? `[${endpoint.host}]` : endpoint.host;
  if (!tls) {
    return connect(`http://${hostInUrl}:${endpoint.port}`, { settings: CLIENT_SETTINGS });
  }
  const options: SecureClientSessionOptions = {
    settings: CLIENT_SETTINGS,
    ALPNProtocols: ['h2'],
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    minVersion: 'TLSv1.2',
  };
  if (endpoint.servername) options.servername = endpoint.servername;
  return connect(`https://${hostInUrl}:${endpoint.port}`, options);
}
