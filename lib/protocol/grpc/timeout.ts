import { Code } from '../../core/code.js';
import { TripleError } from '../../core/triple-error.js';

/** gRPC caps the TimeoutValue at 8 ASCII digits (PROTOCOL-HTTP2.md). */
const MAX_TIMEOUT_VALUE = 99_999_999;
const timeoutPattern = /^(\d{1,8})([HMSmun])$/;
const NO_TIMEOUT: { timeoutMs: undefined } = Object.freeze({ timeoutMs: undefined });

/** Milliseconds per unit for H/M/S/m. */
const msPerUnit: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1 };
/** Units per millisecond for u/n: divided (not multiplied by 1e-3) so 7000u is exactly 7. */
const unitsPerMs: Record<string, number> = { u: 1000, n: 1_000_000 };

/**
 * Parses `grpc-timeout` into a relative deadline in whole milliseconds. Absent means no
 * deadline. Anything outside the grammar (9+ digits, missing or unknown unit, sign, spaces,
 * empty) is INVALID_ARGUMENT, returned rather than thrown because the caller must still answer
 * with a status. Sub-millisecond values round up to 1 ms so a short deadline never becomes
 * "already expired"; only an explicit 0 does (timeoutMs 0).
 */
export function parseGrpcTimeout(value: string | undefined): { timeoutMs: number | undefined } | { error: TripleError } {
  if (value === undefined) return NO_TIMEOUT;
  const match = timeoutPattern.exec(value);
  if (!match) {
    return { error: new TripleError(Code.INVALID_ARGUMENT, `protocol error: invalid grpc timeout value: ${JSON.stringify(value)}`) };
  }
  const amount = Number(match[1]);
  const unit = match[2]!;
  const perMs = unitsPerMs[unit];
  return { timeoutMs: perMs === undefined ? amount * msPerUnit[unit]! : Math.ceil(amount / perMs) };
}

const coarserUnits: ReadonlyArray<readonly [string, number]> = [
  ['S', 1000],
  ['M', 60_000],
  ['H', 3_600_000],
];

/**
 * Formats a relative deadline for `grpc-timeout`. Uses milliseconds when they fit in 8 digits
 * (what Dubbo Java and grpc-js send), microseconds for fractional values, and a coarser unit
 * only when needed. Values round up, so the peer never sees a shorter deadline than ours;
 * non-positive (or NaN) means already expired and is sent as `0m`.
 */
export function formatGrpcTimeout(ms: number): string {
  if (!(ms > 0)) return '0m';
  if (!Number.isInteger(ms)) {
    const micros = Math.ceil(ms * 1000);
    if (micros <= MAX_TIMEOUT_VALUE) return `${micros}u`;
  }
  const whole = Math.ceil(ms);
  if (whole <= MAX_TIMEOUT_VALUE) return `${whole}m`;
  for (const [unit, size] of coarserUnits) {
    const amount = Math.ceil(ms / size);
    if (amount <= MAX_TIMEOUT_VALUE) return `${amount}${unit}`;
  }
  return `${MAX_TIMEOUT_VALUE}H`;
}
