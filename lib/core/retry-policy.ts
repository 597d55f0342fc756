import { jittered } from './backoff.js';
import { Code } from './code.js';
import type { IdempotencyLevel } from './method-descriptor.js';
import type { TripleError } from './triple-error.js';

/**
 * Client retries, shaped like gRPC's retryPolicy (gRFC A6: maxAttempts, initialBackoff,
 * maxBackoff, backoffMultiplier, retryableStatusCodes).
 */
export interface RetryOptions {
  /** Attempts including the first; 1 turns retries off. Default 3, at most 10. */
  maxAttempts?: number;
  /** Upper bound of the first backoff, ms (full jitter: the delay is uniform in [0, bound]). Default 100. */
  initialBackoffMs?: number;
  /** Cap of the backoff bound, ms. Default 2_000. */
  maxBackoffMs?: number;
  /** Growth of the bound per attempt. Default 2. */
  multiplier?: number;
  /**
   * Codes retried for methods declared `idempotency_level = IDEMPOTENT` or `NO_SIDE_EFFECTS`.
   * Default [UNAVAILABLE]. Other methods are only retried transparently (see {@link shouldRetry}).
   */
  retryableCodes?: Code[];
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetryOptions = Object.freeze({
  maxAttempts: 3,
  initialBackoffMs: 100,
  maxBackoffMs: 2_000,
  multiplier: 2,
  retryableCodes: [Code.UNAVAILABLE],
}) as ResolvedRetryOptions;

/** Hard ceiling, as gRPC caps maxAttempts at 5 by default; we allow a little more. */
const MAX_ATTEMPTS_CEILING = 10;

/** What the transport knew about a failed attempt. */
export interface AttemptFailure {
  readonly error: TripleError;
  /** The peer provably did not process it: no connection, REFUSED_STREAM, above a GOAWAY. */
  readonly unprocessed: boolean;
  /** Response headers (not a trailers-only status) arrived: the call is committed (gRFC A6). */
  readonly committed: boolean;
  /** A request message was pulled from the caller's stream: it cannot be replayed. */
  readonly requestsConsumed: boolean;
}

/**
 * Decides whether a failed attempt may run again:
 * 1. never once committed (the caller may have seen response data) or once requests of a
 *    client/bidi stream were consumed (they cannot be replayed);
 * 2. UNAVAILABLE that provably never reached the server's application is retried for every
 *    method ("transparent retry");
 * 3. otherwise only methods that declare themselves IDEMPOTENT / NO_SIDE_EFFECTS are retried,
 *    for the codes in `retryableCodes` — a call that may have run once is not run twice
 *    unless the method says that is harmless.
 */
export function shouldRetry(failure: AttemptFailure, idempotency: IdempotencyLevel, policy: ResolvedRetryOptions): boolean {
  if (failure.committed || failure.requestsConsumed) return false;
  const code = failure.error.code;
  if (code === Code.UNAVAILABLE && failure.unprocessed) return true;
  const idempotent = idempotency === 'IDEMPOTENT' || idempotency === 'NO_SIDE_EFFECTS';
  return idempotent && policy.retryableCodes.includes(code);
}

/** Delay before retry number `retry` (1 = first retry), full jitter per gRFC A6. */
export function retryDelay(retry: number, policy: ResolvedRetryOptions, random: () => number = Math.random): number {
  const bound = Math.min(policy.initialBackoffMs * policy.multiplier ** (retry - 1), policy.maxBackoffMs);
  return jittered(bound, 1, random);
}

/** Fills defaults and checks values; `false` turns retries off. Throws TypeError on bad input. */
export function resolveRetryOptions(options: RetryOptions | false | undefined): ResolvedRetryOptions {
  if (options === false) return { ...DEFAULT_RETRY, maxAttempts: 1 };
  const merged: ResolvedRetryOptions = { ...DEFAULT_RETRY, ...stripUndefined(options ?? {}) };
  const { maxAttempts, initialBackoffMs, maxBackoffMs, multiplier, retryableCodes } = merged;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_CEILING) {
    throw new TypeError(`retry.maxAttempts must be an integer within 1..${MAX_ATTEMPTS_CEILING}, got ${maxAttempts}`);
  }
  if (!Number.isFinite(initialBackoffMs) || initialBackoffMs < 0) throw new TypeError(`retry.initialBackoffMs must be ≥ 0, got ${initialBackoffMs}`);
  if (!Number.isFinite(maxBackoffMs) || maxBackoffMs < initialBackoffMs) throw new TypeError(`retry.maxBackoffMs must be ≥ initialBackoffMs, got ${maxBackoffMs}`);
  if (!Number.isFinite(multiplier) || multiplier < 1) throw new TypeError(`retry.multiplier must be ≥ 1, got ${multiplier}`);
  if (!Array.isArray(retryableCodes) || retryableCodes.some((c) => !Number.isInteger(c) || c <= 0 || c > 16)) {
    throw new TypeError('retry.retryableCodes must be a list of non-OK Code values');
  }
  return { maxAttempts, initialBackoffMs, maxBackoffMs, multiplier, retryableCodes: [...retryableCodes] };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
