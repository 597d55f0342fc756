import type { BackoffOptions } from './backoff.js';
import type { CodecName } from './codec.js';
import type { ClientInterceptor } from './client-interceptor.js';
import type { RetryOptions } from './retry-policy.js';

/** TLS for client connections (node:tls connect options of the same names). */
export interface ClientTlsOptions {
  /** Trusted CA certificate(s), PEM. Default: Node's bundled root CAs. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate for mutual TLS, PEM. */
  cert?: string | Buffer;
  /** Private key of `cert`, PEM. */
  key?: string | Buffer;
  /** SNI and certificate host name check. Default: the target host (grpc.ssl_target_name_override). */
  servername?: string;
  /** Refuse servers whose certificate does not verify. Default true; never disable in production. */
  rejectUnauthorized?: boolean;
}

/**
 * Client HTTP/2 keepalive, named after gRPC's channel args. PINGs detect a peer that vanished
 * without closing the socket (a frozen process, a dropped NAT entry) — including in the middle
 * of a long bidi stream, which TCP alone notices only after minutes (nestjs/nest #4094).
 */
export interface ClientKeepaliveOptions {
  /**
   * Interval between PINGs, ms (GRPC_ARG_KEEPALIVE_TIME_MS). Default 300_000 (5 min): grpc-go
   * servers answer PINGs more frequent than their 5-minute `MinTime` enforcement with GOAWAY
   * ENHANCE_YOUR_CALM, so the default never trips it. 0 disables PINGs.
   */
  timeMs?: number;
  /** How long to wait for a PING ack before the connection counts as dead, ms (GRPC_ARG_KEEPALIVE_TIMEOUT_MS). Default 20_000. */
  timeoutMs?: number;
  /** Close a connection that had no active call for this long, ms (GRPC_ARG_CLIENT_IDLE_TIMEOUT_MS). Default 900_000 (15 min, connect-es' default); 0 never closes. */
  idleTimeoutMs?: number;
  /** Also PING connections without active calls (GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS). Default false. */
  permitWithoutCalls?: boolean;
}

/**
 * Options of a client transport: one target (a service endpoint, or a set of equivalent
 * endpoints), one wire format, shared connections for every service and call.
 */
export interface ClientTransportOptions {
  /**
   * Target: `host:port`, `[v6]:port` or `dns:///name:port` (every address of `name`, re-resolved
   * on reconnect). Default `localhost:50051`. Give either `url` or `urls`.
   */
  url?: string;
  /** Several equivalent targets, load-balanced per `loadBalancing`. */
  urls?: string[];
  /**
   * Wire protocol. 'grpc' (default) speaks gRPC for every call kind. 'triple' sends unary calls
   * with Triple's unary protocol (POST raw body, `application/json|proto`, curl-friendly, over
   * HTTP/2 or HTTP/1.1) and streams with gRPC over HTTP/2, which is what Triple streaming is.
   */
  protocol?: 'grpc' | 'triple';
  /** HTTP version for Triple unary calls: '2' (default, h2c prior knowledge / ALPN h2) or '1.1'. gRPC always uses HTTP/2. */
  httpVersion?: '2' | '1.1';
  /** Message encoding: 'proto' (default) or 'json' (proto3 JSON mapping). */
  codec?: CodecName;
  /** Default deadline of every call, ms; per-call `timeoutMs` overrides it. Default: none. */
  timeout?: number;
  /** Default Dubbo group (tri-service-group) of every call; per-call serviceKey overrides it. */
  group?: string;
  /** Default Dubbo version (tri-service-version) of every call; per-call serviceKey overrides it. */
  version?: string;
  /**
   * Compression of requests: gRPC per message (grpc-encoding), Triple unary for the whole body
   * (Content-Encoding). Responses in gzip and deflate are always accepted. Default 'identity'.
   */
  compression?: 'gzip' | 'deflate' | 'identity';
  /** Requests smaller than this are sent uncompressed. Default 1024 bytes. */
  compressMinBytes?: number;
  /** Largest response message accepted, after decompression (grpc.max_receive_message_length). Default 4 MiB. */
  maxReceiveMessageLength?: number;
  /** Largest request message sent (grpc.max_send_message_length). Default 2^31-1. */
  maxSendMessageLength?: number;
  keepalive?: ClientKeepaliveOptions;
  /** TLS settings, or `true` for TLS with the default CAs. Default: cleartext (h2c prior knowledge). */
  tls?: ClientTlsOptions | boolean;
  /**
   * 'pick_first' (default): every call goes to the first healthy address, failing over in order.
   * 'round_robin': calls rotate over every ready address.
   */
  loadBalancing?: 'pick_first' | 'round_robin';
  /** Retry policy, or `false` for none; see RetryOptions for what is retried. */
  retry?: RetryOptions | false;
  /** Hooks around every call, in order. */
  interceptors?: ClientInterceptor[];
  /** Sent as `user-agent`. Default `nestjs-triple/<version>`. */
  userAgent?: string;
  /** Time allowed to establish one connection (TCP + TLS + HTTP/2 SETTINGS), ms: gRPC's MIN_CONNECT_TIMEOUT (connection-backoff.md). Default 20_000. */
  connectTimeoutMs?: number;
  /** Backoff between reconnect attempts to a failing address. Default gRPC's: 1 s, ×1.6, ±20 %, at most 120 s. */
  reconnectBackoff?: Partial<BackoffOptions>;
}
