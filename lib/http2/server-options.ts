/** TLS settings; `requestCert` with `ca` turns on mutual TLS (client certificates verified). */
export interface TlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  ca?: string | Buffer | Array<string | Buffer>;
  /** Ask for and verify a client certificate (mTLS). Default false. */
  requestCert?: boolean;
  /** Reject clients whose certificate does not verify. Default: same as requestCert. */
  rejectUnauthorized?: boolean;
}

/** Server-side HTTP/2 keepalive: PING idle connections and drop the ones that stop answering. */
export interface ServerKeepaliveOptions {
  /** Interval between PINGs on a connection, ms. Default 7_200_000 (2 h, gRPC's default); 0 disables. */
  timeMs?: number;
  /** How long to wait for the PING ack before closing the connection, ms. Default 20_000. */
  timeoutMs?: number;
}

/** What lib/http2 needs to listen; the Nest layer maps the user's options onto it. */
export interface HttpServerOptions {
  host: string;
  port: number;
  tls?: TlsOptions;
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised to each client. */
  maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: largest request header block (metadata) accepted, bytes. */
  maxHeaderListSize: number;
  keepalive: Required<ServerKeepaliveOptions>;
}

export const DEFAULT_KEEPALIVE_TIME_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;
export const DEFAULT_MAX_CONCURRENT_STREAMS = 1000;
