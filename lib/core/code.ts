/**
 * Status codes shared by gRPC and Triple. The numbering is identical in grpc-js, dubbo-js,
 * dubbo-go and Dubbo Java, so a code travels unchanged between every peer we talk to.
 * Names follow gRPC's canonical spelling, which Nest users know from GrpcStatus.
 */
export enum Code {
  OK = 0,
  /** The caller cancelled the call (RST_STREAM CANCEL, unsubscribe, AbortSignal). */
  CANCELLED = 1,
  UNKNOWN = 2,
  /** Bad request: malformed message, header or timeout. Not retryable. */
  INVALID_ARGUMENT = 3,
  /** The deadline expired before the call completed. */
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  /** A limit was hit: message size, buffered bytes, quota. */
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  /** No such service or method, or an unsupported feature (compression, protocol). */
  UNIMPLEMENTED = 12,
  /** A bug on the serving side; the message never carries internals. */
  INTERNAL = 13,
  /** Transient: connection lost, server shutting down. Safe to retry. */
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

const codeNames: readonly string[] = [
  'ok', 'canceled', 'unknown', 'invalid_argument', 'deadline_exceeded', 'not_found',
  'already_exists', 'permission_denied', 'resource_exhausted', 'failed_precondition', 'aborted',
  'out_of_range', 'unimplemented', 'internal', 'unavailable', 'data_loss', 'unauthenticated',
];

/**
 * snake_case name used in Triple JSON error bodies (`{"code":"not_found"}`), the spelling
 * dubbo-go and Connect read. Unknown numbers round-trip as `code_N`, as dubbo-go does.
 */
export function codeToString(code: number): string {
  return codeNames[code] ?? `code_${code}`;
}

/** Inverse of {@link codeToString}; also accepts `cancelled` and UPPER_CASE names. */
export function codeFromString(name: string): Code | undefined {
  const lower = name.toLowerCase();
  if (lower === 'cancelled') return Code.CANCELLED;
  const index = codeNames.indexOf(lower);
  if (index > 0) return index as Code;
  const numbered = /^code_(\d{1,9})$/.exec(lower);
  return numbered ? (Number(numbered[1]) as Code) : undefined;
}

/** True for a number a peer may legitimately send as a status (0..16). */
export function isKnownCode(value: unknown): value is Code {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 16;
}
