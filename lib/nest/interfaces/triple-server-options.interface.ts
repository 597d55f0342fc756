import type { LoaderOptions } from '../../core/proto-loader.js';
import type { Http1TimeoutOptions, Http2LimitOptions, TlsOptions } from '../../http2/server-options.js';

/**
 * Options of {@link TripleServer}. Names follow Nest's GrpcOptions where they overlap, so a
 * gRPC microservice config ports by renaming the strategy.
 */
export interface TripleServerOptions {
  /** `host:port` to listen on. Port 0 picks a free port (read it from `server.address` after listen). Default `localhost:50051`. */
  url?: string;
  /** Proto package(s) whose services are served. Default: every service in the files. */
  package?: string | string[];
  /** .proto file(s) to load. Required. */
  protoPath: string | string[];
  /** How protos load and how messages look in handlers (same names as @grpc/proto-loader). */
  loader?: LoaderOptions;
  /** Largest request message, after decompression, in bytes. Default 4 MiB (4_194_304). */
  maxReceiveMessageLength?: number;
  /** Largest response message in bytes. Default 2_147_483_647 (gRPC's default: unlimited). */
  maxSendMessageLength?: number;
  /** Largest request header block (all metadata), bytes; larger requests are refused. Default 16 KiB. */
  maxMetadataSize?: number;
  /** Concurrent streams a client may open on one connection (HTTP/2 setting). Default 1000. */
  maxConcurrentStreams?: number;
  /**
   * HTTP/2 receive window per stream (SETTINGS_INITIAL_WINDOW_SIZE), bytes: how much request
   * data a client may send ahead of the handler reading it. Larger speeds up client-streaming
   * uploads; it is also what one paused stream may hold in memory. Default 192 KiB (196_608).
   */
  initialWindowSize?: number;
  /** HTTP/2 receive window of a whole connection (all its streams), bytes. Default 1 MiB (1_048_576). */
  connectionWindowSize?: number;
  /** Server-initiated PINGs that detect dead peers, and the policy for client PINGs (gRPC keepalive enforcement). */
  keepalive?: {
    /** PING interval in ms. Default 7_200_000 (2 h); 0 disables. */
    keepaliveTimeMs?: number;
    /** How long to wait for a PING ack before dropping the connection, ms. Default 20_000. */
    keepaliveTimeoutMs?: number;
    /**
     * Shortest interval between client PINGs tolerated while the server sent nothing in between,
     * ms (grpc-go `MinTime`, grpc-java `permitKeepAliveTime`). Default 300_000 (5 min).
     */
    minPingIntervalMs?: number;
    /** Allow client PINGs while the connection has no call (gRPC `PermitWithoutStream`); else one per 2 h. Default false. */
    permitWithoutCalls?: boolean;
    /** Policy-breaking PINGs tolerated before GOAWAY ENHANCE_YOUR_CALM "too_many_pings". Default 2. */
    maxPingStrikes?: number;
  };
  /** Connections open at once (TCP or TLS); more are closed on accept. Default 10_000. */
  maxConnections?: number;
  /** GOAWAY (graceful) a connection that carried no call for this long, ms; 0 never. Default 300_000 (5 min). */
  maxConnectionIdleMs?: number;
  /** Time a new connection has to send its first bytes (cleartext) or complete the TLS handshake, ms. Default 10_000. */
  handshakeTimeoutMs?: number;
  /** HTTP/1.1 read timeouts (slowloris defences): headers 10_000 ms, whole request 60_000 ms, keep-alive idle 5_000 ms. */
  http1?: Http1TimeoutOptions;
  /** HTTP/2 flood limits per connection: rapid reset, SETTINGS flood, invalid frames, session memory. */
  http2?: Http2LimitOptions;
  /** On close(), how long in-flight calls may finish before they end with UNAVAILABLE, ms. Default 10_000. */
  gracefulShutdownTimeout?: number;
  /** Serve TLS (h2 and HTTP/1.1 by ALPN); `requestCert` + `ca` enables mutual TLS. Default: cleartext. */
  tls?: TlsOptions;
  /**
   * Encoded response bytes a streaming call may queue while the client is not reading, when the
   * handler returns an Observable (which cannot be paused). Beyond it the call ends with
   * RESOURCE_EXHAUSTED. Return an AsyncIterable instead to be paced by the client. Default 64 MiB.
   */
  maxBufferedBytes?: number;
  /**
   * Bytes of 257 KiB response write chunks kept for reuse once written, so the next burst of
   * streamed messages (an Observable emits its whole stream at once) writes into warm memory
   * instead of fresh memory while the last burst waits for the garbage collector. Released
   * after `responseChunkPoolIdleMs` without streaming. Default 64 MiB (as maxBufferedBytes);
   * 0 disables pooling.
   */
  responseChunkPoolBytes?: number;
  /**
   * How long the response chunk pool is kept without streaming before it is released (peak
   * memory vs idle memory: a burst after a release takes fresh memory while the released
   * chunks still wait for the garbage collector). Default 30000 ms.
   */
  responseChunkPoolIdleMs?: number;
  /** Request-stream messages read ahead of a @TripleStreamMethod handler before the socket is paused. Default 64. */
  maxPendingMessages?: number;
  /** Response messages (gRPC) or bodies (Triple) smaller than this are not compressed. Default 1024 bytes. */
  compressMinBytes?: number;
  /** Compressions offered and accepted. Default ['gzip', 'deflate']; [] disables compression. */
  compression?: Array<'gzip' | 'deflate'>;
  /** Triple unary: refuse requests without tri-protocol-version / triple-protocol-version. Default false. */
  requireProtocolHeader?: boolean;
}
