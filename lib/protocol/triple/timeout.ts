import { Code } from '../../core/code.js';
import type { IncomingHeaders } from '../../core/metadata.js';
import { TripleError } from '../../core/triple-error.js';
import { HEADER_GRPC_TIMEOUT, HEADER_TRI_SERVICE_TIMEOUT, HEADER_TRIPLE_TIMEOUT_MS } from './headers.js';

/** dubbo-js (`^\d{1,10}$`) and dubbo-go (≤ 10 chars) both cap the value at 10 digits. */
const timeoutPattern = /^\d{1,10}$/;
const NO_TIMEOUT: { timeoutMs: undefined } = Object.freeze({ timeoutMs: undefined });

/**
 * Parses a Triple unary timeout header (`tri-service-timeout`, `triple-timeout-ms`): a relative
 * deadline in whole milliseconds. Absent means no deadline. Anything outside `\d{1,10}`
 * (units like `1s`, signs, spaces, 11+ digits) is INVALID_ARGUMENT, returned rather than thrown
 * because the caller must still answer with a status (HTTP 400). `header` names the offending
 * header in the message, since a request may carry either spelling.
 */
export function parseTripleTimeout(value: string | undefined, header: string): { timeoutMs: number | undefined } | { error: TripleError } {
  if (value === undefined) return NO_TIMEOUT;
  if (!timeoutPattern.test(value)) {
    return { error: new TripleError(Code.INVALID_ARGUMENT, `protocol error: invalid ${header} value ${JSON.stringify(value)}: expected 1 to 10 digits of milliseconds`) };
  }
  return { timeoutMs: Number(value) };
}

/** gRPC's `grpc-timeout` grammar (≤ 8 digits and a unit), the same as grpc/timeout.ts. */
const grpcTimeoutPattern = /^(\d{1,8})([HMSmun])$/;
const grpcMsPerUnit: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1 };
const grpcUnitsPerMs: Record<string, number> = { u: 1000, n: 1_000_000 };

/**
 * The deadline of a Triple request from whichever timeout headers it carries:
 * `tri-service-timeout` (dubbo-js, Dubbo Java), `triple-timeout-ms` (dubbo-go) and, since a
 * gRPC-aware proxy or client may add it, `grpc-timeout`. Every one present must be well
 * formed (else INVALID_ARGUMENT, HTTP 400); when several are, the shortest wins, so no hop's
 * deadline is extended.
 */
export function readTripleTimeout(headers: IncomingHeaders): { timeoutMs: number | undefined } | { error: TripleError } {
  const tri = headers[HEADER_TRI_SERVICE_TIMEOUT];
  const triple = headers[HEADER_TRIPLE_TIMEOUT_MS];
  const grpc = headers[HEADER_GRPC_TIMEOUT];
  if (tri === undefined && triple === undefined && grpc === undefined) return NO_TIMEOUT;
  let shortest: number | undefined;
  for (const [header, raw] of [[HEADER_TRI_SERVICE_TIMEOUT, tri], [HEADER_TRIPLE_TIMEOUT_MS, triple], [HEADER_GRPC_TIMEOUT, grpc]] as const) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    const parsed = header === HEADER_GRPC_TIMEOUT ? parseGrpcStyleTimeout(value) : parseTripleTimeout(value, header);
    if ('error' in parsed) return parsed;
    if (shortest === undefined || parsed.timeoutMs! < shortest) shortest = parsed.timeoutMs;
  }
  return { timeoutMs: shortest };
}

function parseGrpcStyleTimeout(value: string): { timeoutMs: number } | { error: TripleError } {
  const match = grpcTimeoutPattern.exec(value);
  if (!match) return { error: new TripleError(Code.INVALID_ARGUMENT, `protocol error: invalid grpc-timeout value ${JSON.stringify(value)}`) };
  const amount = Number(match[1]);
  const perMs = grpcUnitsPerMs[match[2]!];
  return { timeoutMs: perMs === undefined ? amount * grpcMsPerUnit[match[2]!]! : Math.ceil(amount / perMs) };
}

/**
 * Formats a relative deadline for `tri-service-timeout`: whole milliseconds rounded up (the
 * peer never sees a shorter deadline than ours), capped at 10 digits; non-positive or NaN
 * means already expired and is sent as `0`.
 */
export function formatTripleTimeout(ms: number): string {
  if (!(ms > 0)) return '0';
  return String(Math.min(Math.ceil(ms), 9_999_999_999));
}
