import { gzipCompression, deflateCompression } from '../../core/compression-gzip.js';
import type { Compression } from '../../core/compression.js';
import {
  DEFAULT_COMPRESS_MIN_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_RESPONSE_CHUNK_POOL_BYTES,
  DEFAULT_MAX_METADATA_SIZE,
  DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH,
  DEFAULT_MAX_SEND_MESSAGE_LENGTH,
} from '../../core/limits.js';
import { POOL_IDLE_RELEASE_MS } from '../../core/chunk-pool.js';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_HTTP1_HEADERS_TIMEOUT_MS,
  DEFAULT_HTTP1_KEEP_ALIVE_TIMEOUT_MS,
  DEFAULT_HTTP1_REQUEST_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_TIME_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_CONNECTION_WINDOW_SIZE,
  DEFAULT_INITIAL_WINDOW_SIZE,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_CONNECTION_IDLE_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_HEADER_LIST_PAIRS,
  DEFAULT_MAX_PING_STRIKES,
  DEFAULT_MAX_SESSION_INVALID_FRAMES,
  DEFAULT_MAX_SESSION_MEMORY_MB,
  DEFAULT_MAX_SESSION_REJECTED_STREAMS,
  DEFAULT_MAX_SETTINGS_FRAMES_PER_SECOND,
  DEFAULT_MAX_SMALL_DATA_FRAMES_PER_SECOND,
  DEFAULT_MIN_PING_INTERVAL_MS,
  DEFAULT_STREAM_RESET_BURST,
  DEFAULT_STREAM_RESET_RATE,
  MAX_WINDOW_SIZE,
  type HttpServerOptions,
} from '../../http2/server-options.js';
import type { TripleServerOptions } from '../interfaces/triple-server-options.interface.js';

export const DEFAULT_URL = 'localhost:50051';
export const DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_PENDING_MESSAGES = 64;

/** TripleServerOptions with every default filled in and every value checked, in one place. */
export interface ResolvedServerOptions {
  readonly http: HttpServerOptions;
  readonly readMaxBytes: number;
  readonly writeMaxBytes: number;
  readonly maxBufferedBytes: number;
  readonly responseChunkPoolBytes: number;
  readonly responseChunkPoolIdleMs: number;
  readonly maxPendingMessages: number;
  readonly compressMinBytes: number;
  readonly compressions: readonly Compression[];
  readonly requireProtocolHeader: boolean;
  readonly gracefulShutdownTimeout: number;
}

const compressionsByName: Record<string, Compression> = { gzip: gzipCompression, deflate: deflateCompression };

export function resolveServerOptions(options: TripleServerOptions): ResolvedServerOptions {
  if (!options || (typeof options.protoPath !== 'string' && !Array.isArray(options.protoPath))) {
    throw new TypeError('TripleServer: options.protoPath (a .proto file or an array of them) is required');
  }
  const { host, port } = parseUrl(options.url ?? DEFAULT_URL);
  const compressions = (options.compression ?? ['gzip', 'deflate']).map((name) => {
    const c = compressionsByName[name];
    if (!c) throw new TypeError(`TripleServer: unknown compression "${name}" (supported: gzip, deflate)`);
    return c;
  });
  const keepalive = options.keepalive ?? {};
  const http1 = options.http1 ?? {};
  const http2 = options.http2 ?? {};
  const headersTimeoutMs = nonNegative('http1.headersTimeoutMs', http1.headersTimeoutMs, DEFAULT_HTTP1_HEADERS_TIMEOUT_MS);
  const requestTimeoutMs = nonNegative('http1.requestTimeoutMs', http1.requestTimeoutMs, DEFAULT_HTTP1_REQUEST_TIMEOUT_MS);
  if (requestTimeoutMs > 0 && (headersTimeoutMs === 0 || headersTimeoutMs > requestTimeoutMs)) {
    throw new TypeError(`TripleServer: http1.headersTimeoutMs (${headersTimeoutMs}) must be between 1 and http1.requestTimeoutMs (${requestTimeoutMs})`);
  }
  return {
    http: {
      host,
      port,
      tls: options.tls,
      maxConcurrentStreams: integer('maxConcurrentStreams', options.maxConcurrentStreams, DEFAULT_MAX_CONCURRENT_STREAMS, 1),
      maxHeaderListSize: positive('maxMetadataSize', options.maxMetadataSize, DEFAULT_MAX_METADATA_SIZE),
      initialWindowSize: windowSize('initialWindowSize', options.initialWindowSize, DEFAULT_INITIAL_WINDOW_SIZE),
      connectionWindowSize: windowSize('connectionWindowSize', options.connectionWindowSize, DEFAULT_CONNECTION_WINDOW_SIZE),
      maxConnections: integer('maxConnections', options.maxConnections, DEFAULT_MAX_CONNECTIONS, 1),
      maxConnectionIdleMs: nonNegative('maxConnectionIdleMs', options.maxConnectionIdleMs, DEFAULT_MAX_CONNECTION_IDLE_MS),
      handshakeTimeoutMs: positive('handshakeTimeoutMs', options.handshakeTimeoutMs, DEFAULT_HANDSHAKE_TIMEOUT_MS),
      keepalive: {
        timeMs: nonNegative('keepalive.keepaliveTimeMs', keepalive.keepaliveTimeMs, DEFAULT_KEEPALIVE_TIME_MS),
        timeoutMs: positive('keepalive.keepaliveTimeoutMs', keepalive.keepaliveTimeoutMs, DEFAULT_KEEPALIVE_TIMEOUT_MS),
        minPingIntervalMs: nonNegative('keepalive.minPingIntervalMs', keepalive.minPingIntervalMs, DEFAULT_MIN_PING_INTERVAL_MS),
        permitWithoutCalls: keepalive.permitWithoutCalls ?? false,
        maxPingStrikes: integer('keepalive.maxPingStrikes', keepalive.maxPingStrikes, DEFAULT_MAX_PING_STRIKES, 0),
      },
      http1: {
        headersTimeoutMs,
        requestTimeoutMs,
        keepAliveTimeoutMs: nonNegative('http1.keepAliveTimeoutMs', http1.keepAliveTimeoutMs, DEFAULT_HTTP1_KEEP_ALIVE_TIMEOUT_MS),
      },
      http2: {
        streamResetBurst: integer('http2.streamResetBurst', http2.streamResetBurst, DEFAULT_STREAM_RESET_BURST, 1),
        streamResetRate: positive('http2.streamResetRate', http2.streamResetRate, DEFAULT_STREAM_RESET_RATE),
        maxSettingsFramesPerSecond: integer('http2.maxSettingsFramesPerSecond', http2.maxSettingsFramesPerSecond, DEFAULT_MAX_SETTINGS_FRAMES_PER_SECOND, 1),
        maxSmallDataFramesPerSecond: integer('http2.maxSmallDataFramesPerSecond', http2.maxSmallDataFramesPerSecond, DEFAULT_MAX_SMALL_DATA_FRAMES_PER_SECOND, 1),
        maxSessionInvalidFrames: integer('http2.maxSessionInvalidFrames', http2.maxSessionInvalidFrames, DEFAULT_MAX_SESSION_INVALID_FRAMES, 0),
        maxSessionRejectedStreams: integer('http2.maxSessionRejectedStreams', http2.maxSessionRejectedStreams, DEFAULT_MAX_SESSION_REJECTED_STREAMS, 0),
        maxSessionMemoryMb: positive('http2.maxSessionMemoryMb', http2.maxSessionMemoryMb, DEFAULT_MAX_SESSION_MEMORY_MB),
        maxHeaderListPairs: integer('http2.maxHeaderListPairs', http2.maxHeaderListPairs, DEFAULT_MAX_HEADER_LIST_PAIRS, 4),
      },
    },
    readMaxBytes: positive('maxReceiveMessageLength', options.maxReceiveMessageLength, DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH),
    writeMaxBytes: positive('maxSendMessageLength', options.maxSendMessageLength, DEFAULT_MAX_SEND_MESSAGE_LENGTH),
    maxBufferedBytes: positive('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES),
    responseChunkPoolBytes: nonNegative('responseChunkPoolBytes', options.responseChunkPoolBytes, DEFAULT_RESPONSE_CHUNK_POOL_BYTES),
    responseChunkPoolIdleMs: positive('responseChunkPoolIdleMs', options.responseChunkPoolIdleMs, POOL_IDLE_RELEASE_MS),
    maxPendingMessages: positive('maxPendingMessages', options.maxPendingMessages, DEFAULT_MAX_PENDING_MESSAGES),
    compressMinBytes: nonNegative('compressMinBytes', options.compressMinBytes, DEFAULT_COMPRESS_MIN_BYTES),
    compressions,
    requireProtocolHeader: options.requireProtocolHeader ?? false,
    gracefulShutdownTimeout: nonNegative('gracefulShutdownTimeout', options.gracefulShutdownTimeout, DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT_MS),
  };
}

/** `host:port`, `[::1]:port`, or `dns:///host:port`-free plain forms; port 0 = any free port. */
export function parseUrl(url: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(url.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new TypeError(`TripleServer: url "${url}" must be host:port (port 0 = any free port)`);
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`TripleServer: ${name} must be a positive number, got ${value}`);
  return value;
}

/** An integer >= `min`, e.g. a count of connections, streams or strikes. */
function integer(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) throw new TypeError(`TripleServer: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/** An HTTP/2 flow-control window: 65_535 (the protocol's initial size) up to 2^31 - 1 bytes. */
function windowSize(name: string, value: number | undefined, fallback: number): number {
  const size = integer(name, value, fallback, 65_535);
  if (size > MAX_WINDOW_SIZE) throw new TypeError(`TripleServer: ${name} must be at most ${MAX_WINDOW_SIZE}, got ${size}`);
  return size;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`TripleServer: ${name} must be zero or positive, got ${value}`);
  return value;
}
