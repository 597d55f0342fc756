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

/**
 * Server-side HTTP/2 keepalive: PING idle connections and drop the ones that stop answering,
 * and enforce how often a client may PING (gRPC's keepalive enforcement policy).
 */
export interface ServerKeepaliveOptions {
  /** Interval between PINGs on a connection, ms. Default 7_200_000 (2 h, gRPC's default); 0 disables. */
  timeMs?: number;
  /** How long to wait for the PING ack before closing the connection, ms. Default 20_000. */
  timeoutMs?: number;
  /**
   * Shortest interval between client PINGs the server tolerates while it has sent nothing in
   * between, ms (grpc-go `EnforcementPolicy.MinTime`, grpc-java `permitKeepAliveTime`). Default 300_000.
   */
  minPingIntervalMs?: number;
  /** Allow client PINGs on a connection without active calls (gRPC `PermitWithoutStream`). Default false. */
  permitWithoutCalls?: boolean;
  /** PINGs that break the policy before GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (gRPC: 2). Default 2. */
  maxPingStrikes?: number;
}

/** HTTP/1.1 read timeouts (Triple unary over HTTP/1.1): the slowloris defences. */
export interface Http1TimeoutOptions {
  /** Time to receive the request line and all headers, ms (node `headersTimeout`). Default 10_000. */
  headersTimeoutMs?: number;
  /** Time to receive the whole request, body included, ms (node `requestTimeout`). Default 60_000. */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open between requests, ms. Default 5_000. */
  keepAliveTimeoutMs?: number;
}

/** HTTP/2 flood and abuse limits, per connection. Names follow node:http2 where it has them. */
export interface Http2LimitOptions {
  /**
   * Streams the client may reset (RST_STREAM) in a burst before GOAWAY ENHANCE_YOUR_CALM: the
   * HTTP/2 rapid-reset mitigation (CVE-2023-44487). Token bucket of this size. Default 200.
   */
  streamResetBurst?: number;
  /** Resets per second the bucket refills, i.e. the sustained rate tolerated. Default 33 (nghttp2's). */
  streamResetRate?: number;
  /** SETTINGS frames a client may send per second before GOAWAY ENHANCE_YOUR_CALM. Default 50. */
  maxSettingsFramesPerSecond?: number;
  /**
   * DATA frames with under 64 bytes of payload a client may send per second (token bucket of the
   * same size) before GOAWAY ENHANCE_YOUR_CALM: each frame costs a trip into JavaScript, so a
   * message fragmented into 1-byte frames is a CPU flood. Default 5_000.
   */
  maxSmallDataFramesPerSecond?: number;
  /** Invalid frames (e.g. empty DATA) tolerated before the session is destroyed (node option). Default 100. */
  maxSessionInvalidFrames?: number;
  /** Streams refused (over maxConcurrentStreams) tolerated before the session is destroyed (node option). Default 100. */
  maxSessionRejectedStreams?: number;
  /** Memory one connection may use, MiB: header tables, queued frames; new streams are refused past it (node option). Default 64. */
  maxSessionMemoryMb?: number;
  /** Header fields (pairs) accepted in one request header block (node option). Default 1024. */
  maxHeaderListPairs?: number;
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
  /** SETTINGS_INITIAL_WINDOW_SIZE: request bytes a client may send on one stream before the server reads them. */
  initialWindowSize: number;
  /** Receive window of a whole connection (all its streams), bytes; set when the session starts. */
  connectionWindowSize: number;
  /** Open connections (TCP or TLS) at once; further ones are closed as they arrive. */
  maxConnections: number;
  /** GOAWAY a connection that carried no call for this long, ms; 0 never. */
  maxConnectionIdleMs: number;
  /** Time for a new connection to send its first bytes (cleartext) or finish the TLS handshake, ms. */
  handshakeTimeoutMs: number;
  keepalive: Required<ServerKeepaliveOptions>;
  http1: Required<Http1TimeoutOptions>;
  http2: Required<Http2LimitOptions>;
}

export const DEFAULT_KEEPALIVE_TIME_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;
export const DEFAULT_MIN_PING_INTERVAL_MS = 300_000;
export const DEFAULT_MAX_PING_STRIKES = 2;
export const DEFAULT_MAX_CONCURRENT_STREAMS = 1000;
/**
 * Per-stream receive window: 192 KiB rather than HTTP/2's 64 KiB, so a fast client-streaming
 * upload does not stall on a window update every 32 KiB (measured: 200k x 32 B uploads take
 * ~0.27 s at 64 KiB, ~0.14 s at 192 KiB, no faster at 1 MiB). Not larger: it is also what a
 * flooder may still have in flight when the server calms it (1-byte DATA frames are 10 bytes
 * on the wire), and with 256 KiB and more the GOAWAY was sometimes lost to the TCP reset.
 */
export const DEFAULT_INITIAL_WINDOW_SIZE = 192 * 1024;
/** Connection receive window: a few streams of one connection can upload at full speed. */
export const DEFAULT_CONNECTION_WINDOW_SIZE = 1024 * 1024;
/** Largest flow-control window HTTP/2 allows (RFC 9113 §6.9.1). */
export const MAX_WINDOW_SIZE = 2 ** 31 - 1;
export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const DEFAULT_MAX_CONNECTION_IDLE_MS = 300_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_HTTP1_HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_HTTP1_REQUEST_TIMEOUT_MS = 60_000;
export const DEFAULT_HTTP1_KEEP_ALIVE_TIMEOUT_MS = 5_000;
export const DEFAULT_STREAM_RESET_BURST = 200;
export const DEFAULT_STREAM_RESET_RATE = 33;
export const DEFAULT_MAX_SETTINGS_FRAMES_PER_SECOND = 50;
export const DEFAULT_MAX_SMALL_DATA_FRAMES_PER_SECOND = 5_000;
export const DEFAULT_MAX_SESSION_INVALID_FRAMES = 100;
export const DEFAULT_MAX_SESSION_REJECTED_STREAMS = 100;
export const DEFAULT_MAX_SESSION_MEMORY_MB = 64;
export const DEFAULT_MAX_HEADER_LIST_PAIRS = 1024;
