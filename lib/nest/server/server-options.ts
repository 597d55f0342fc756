import { gzipCompression, deflateCompression } from '../../core/compression-gzip.js';
import type { Compression } from '../../core/compression.js';
import {
  DEFAULT_COMPRESS_MIN_BYTES,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_METADATA_SIZE,
  DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH,
  DEFAULT_MAX_SEND_MESSAGE_LENGTH,
} from '../../core/limits.js';
import {
  DEFAULT_KEEPALIVE_TIME_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_STREAMS,
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
  return {
    http: {
      host,
      port,
      tls: options.tls,
      maxConcurrentStreams: positive('maxConcurrentStreams', options.maxConcurrentStreams, DEFAULT_MAX_CONCURRENT_STREAMS),
      maxHeaderListSize: positive('maxMetadataSize', options.maxMetadataSize, DEFAULT_MAX_METADATA_SIZE),
      keepalive: {
        timeMs: nonNegative('keepalive.keepaliveTimeMs', options.keepalive?.keepaliveTimeMs, DEFAULT_KEEPALIVE_TIME_MS),
        timeoutMs: positive('keepalive.keepaliveTimeoutMs', options.keepalive?.keepaliveTimeoutMs, DEFAULT_KEEPALIVE_TIMEOUT_MS),
      },
    },
    readMaxBytes: positive('maxReceiveMessageLength', options.maxReceiveMessageLength, DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH),
    writeMaxBytes: positive('maxSendMessageLength', options.maxSendMessageLength, DEFAULT_MAX_SEND_MESSAGE_LENGTH),
    maxBufferedBytes: positive('maxBufferedBytes', options.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES),
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

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`TripleServer: ${name} must be zero or positive, got ${value}`);
  return value;
}
