/**
 * Exponential backoff with jitter, the shape gRPC uses for reconnects (connection-backoff.md:
 * INITIAL_BACKOFF 1 s, MULTIPLIER 1.6, JITTER 0.2, MAX_BACKOFF 120 s) and, with full jitter,
 * for retries (gRFC A6: `random(0, min(initial * multiplier^(n-1), max))`).
 */
export interface BackoffOptions {
  /** First delay, ms. */
  readonly initialMs: number;
  /** Growth factor between consecutive delays. */
  readonly multiplier: number;
  /**
   * Randomization: 0..1 spreads each delay by ±jitter (connection backoff); the special value
   * 1 means "full jitter", a uniform delay in [0, current] (retry backoff).
   */
  readonly jitter: number;
  /** Upper bound of the un-jittered delay, ms. */
  readonly maxMs: number;
}

/** gRPC's connection backoff (doc/connection-backoff.md), the default for reconnects. */
export const DEFAULT_RECONNECT_BACKOFF: BackoffOptions = Object.freeze({
  initialMs: 1000,
  multiplier: 1.6,
  jitter: 0.2,
  maxMs: 120_000,
});

/**
 * Stateful backoff sequence: each `next()` returns the following delay. `reset()` after a
 * success (a connection that became ready, a call that got a response) restarts from `initialMs`.
 */
export class Backoff {
  private current: number;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.current = options.initialMs;
  }

  /** The delay before the next attempt, ms (never negative). */
  next(): number {
    const base = Math.min(this.current, this.options.maxMs);
    this.current = Math.min(this.current * this.options.multiplier, this.options.maxMs);
    return jittered(base, this.options.jitter, this.random);
  }

  reset(): void {
    this.current = this.options.initialMs;
  }
}

/** Applies jitter to one delay; see {@link BackoffOptions.jitter}. */
export function jittered(delayMs: number, jitter: number, random: () => number = Math.random): number {
  if (jitter >= 1) return Math.floor(random() * delayMs);
  if (jitter <= 0) return Math.round(delayMs);
  return Math.max(0, Math.round(delayMs * (1 + jitter * (random() * 2 - 1))));
}

/** Checks one BackoffOptions (all fields finite; multiplier ≥ 1; jitter in [0, 1]); returns an error text or undefined. */
export function checkBackoff(options: BackoffOptions): string | undefined {
  const { initialMs, multiplier, jitter, maxMs } = options;
  if (!Number.isFinite(initialMs) || initialMs < 0) return `initialMs must be ≥ 0, got ${initialMs}`;
  if (!Number.isFinite(maxMs) || maxMs < initialMs) return `maxMs must be ≥ initialMs, got ${maxMs}`;
  if (!Number.isFinite(multiplier) || multiplier < 1) return `multiplier must be ≥ 1, got ${multiplier}`;
  if (!Number.isFinite(jitter) || jitter < 0 || jitter > 1) return `jitter must be within [0, 1], got ${jitter}`;
  return undefined;
}
