import { checkBackoff, DEFAULT_RECONNECT_BACKOFF, type BackoffOptions } from './backoff.js';
import type { ServiceKey } from './call-context.js';
import type { CodecName } from './codec.js';
import type { ClientInterceptor } from './client-interceptor.js';
import type { ClientKeepaliveOptions, ClientTlsOptions, ClientTransportOptions } from './client-options.js';
import { parseClientTarget, type ClientTarget } from './client-target.js';
import { deflateCompression, gzipCompression } from './compression-gzip.js';
import type { Compression } from './compression.js';
import { DEFAULT_COMPRESS_MIN_BYTES, DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH, DEFAULT_MAX_SEND_MESSAGE_LENGTH } from './limits.js';
import { resolveRetryOptions, type ResolvedRetryOptions } from './retry-policy.js';

export const DEFAULT_CLIENT_URL = 'localhost:50051';
export const DEFAULT_CLIENT_KEEPALIVE_TIME_MS = 300_000;
export const DEFAULT_CLIENT_KEEPALIVE_TIMEOUT_MS = 20_000;
export const DEFAULT_CLIENT_IDLE_TIMEOUT_MS = 900_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
export const DEFAULT_USER_AGENT = 'nestjs-triple/0.1.0';

/** Compressions a client accepts in responses, whatever it sends. */
export const CLIENT_ACCEPTED_COMPRESSIONS: readonly Compression[] = Object.freeze([gzipCompression, deflateCompression]);

/** ClientTransportOptions with every default filled in and every value checked. */
export interface ResolvedClientOptions {
  readonly targets: readonly ClientTarget[];
  readonly protocol: 'grpc' | 'triple';
  readonly httpVersion: '2' | '1.1';
  readonly codec: CodecName;
  readonly timeoutMs: number | undefined;
  readonly serviceKey: ServiceKey;
  /** Request compression; null = identity. */
  readonly compression: Compression | null;
  readonly acceptCompressions: readonly Compression[];
  readonly compressMinBytes: number;
  readonly readMaxBytes: number;
  readonly writeMaxBytes: number;
  readonly keepalive: Required<ClientKeepaliveOptions>;
  /** undefined = cleartext. */
  readonly tls: ClientTlsOptions | undefined;
  readonly loadBalancing: 'pick_first' | 'round_robin';
  readonly retry: ResolvedRetryOptions;
  readonly interceptors: readonly ClientInterceptor[];
  readonly userAgent: string;
  readonly connectTimeoutMs: number;
  readonly reconnectBackoff: BackoffOptions;
}

/**
 * The one place client options are defaulted and validated. Throws a TypeError naming the
 * option, at construction time, so a typo never surfaces as a failed call later.
 */
export function resolveClientOptions(options: ClientTransportOptions = {}): ResolvedClientOptions {
  if (options.url !== undefined && options.urls !== undefined) fail('give either url or urls, not both');
  const urls = options.urls ?? [options.url ?? DEFAULT_CLIENT_URL];
  if (!Array.isArray(urls) || urls.length === 0) fail('urls must list at least one target');
  const targets = urls.map((url) => {
    if (typeof url !== 'string') fail(`url must be a string, got ${typeof url}`);
    const parsed = parseClientTarget(url);
    if ('error' in parsed) fail(parsed.error.rawMessage);
    return parsed.value;
  });
  const compression = options.compression ?? 'identity';
  const compressions: Record<string, Compression | null> = { identity: null, gzip: gzipCompression, deflate: deflateCompression };
  if (!(compression in compressions)) fail(`compression must be 'gzip', 'deflate' or 'identity', got ${String(compression)}`);
  const backoff: BackoffOptions = { ...DEFAULT_RECONNECT_BACKOFF, ...defined(options.reconnectBackoff ?? {}) };
  const backoffError = checkBackoff(backoff);
  if (backoffError) fail(`reconnectBackoff.${backoffError}`);
  let retry: ResolvedRetryOptions;
  try {
    retry = resolveRetryOptions(options.retry);
  } catch (e) {
    fail((e as Error).message);
  }
  const interceptors = options.interceptors ?? [];
  if (!Array.isArray(interceptors) || interceptors.some((i) => typeof i !== 'object' || i === null)) fail('interceptors must be an array of objects');
  return {
    targets,
    protocol: oneOf('protocol', options.protocol, ['grpc', 'triple'], 'grpc'),
    httpVersion: oneOf('httpVersion', options.httpVersion, ['2', '1.1'], '2'),
    codec: oneOf('codec', options.codec, ['proto', 'json'], 'proto'),
    timeoutMs: options.timeout === undefined ? undefined : positive('timeout', options.timeout, 0),
    serviceKey: { group: optionalString('group', options.group), version: optionalString('version', options.version) },
    compression: compressions[compression]!,
    acceptCompressions: CLIENT_ACCEPTED_COMPRESSIONS,
    compressMinBytes: nonNegative('compressMinBytes', options.compressMinBytes, DEFAULT_COMPRESS_MIN_BYTES),
    readMaxBytes: positive('maxReceiveMessageLength', options.maxReceiveMessageLength, DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH),
    writeMaxBytes: positive('maxSendMessageLength', options.maxSendMessageLength, DEFAULT_MAX_SEND_MESSAGE_LENGTH),
    keepalive: {
      timeMs: nonNegative('keepalive.timeMs', options.keepalive?.timeMs, DEFAULT_CLIENT_KEEPALIVE_TIME_MS),
      timeoutMs: positive('keepalive.timeoutMs', options.keepalive?.timeoutMs, DEFAULT_CLIENT_KEEPALIVE_TIMEOUT_MS),
      idleTimeoutMs: nonNegative('keepalive.idleTimeoutMs', options.keepalive?.idleTimeoutMs, DEFAULT_CLIENT_IDLE_TIMEOUT_MS),
      permitWithoutCalls: options.keepalive?.permitWithoutCalls ?? false,
    },
    tls: options.tls === true ? {} : options.tls === false || options.tls === undefined ? undefined : options.tls,
    loadBalancing: oneOf('loadBalancing', options.loadBalancing, ['pick_first', 'round_robin'], 'pick_first'),
    retry,
    interceptors: [...interceptors],
    userAgent: optionalString('userAgent', options.userAgent) ?? DEFAULT_USER_AGENT,
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    reconnectBackoff: backoff,
  };
}

function fail(message: string): never {
  throw new TypeError(`client transport: ${message}`);
}

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) fail(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`);
  return value;
}

/**
 * Timer-backed values must fit setTimeout (2^31-1 ms; larger ones would fire at once), and
 * sizes beyond 2^31-1 bytes mean "unlimited" anyway (gRPC's int32 limits): both are clamped.
 */
const MAX_TIMER_MS = 0x7fffffff;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(`${name} must be a positive number, got ${value}`);
  return Math.min(value, MAX_TIMER_MS);
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(`${name} must be zero or positive, got ${value}`);
  return Math.min(value, MAX_TIMER_MS);
}

function optionalString(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value)) fail(`${name} must be a printable ASCII string`);
  return value;
}

function defined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
