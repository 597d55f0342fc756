import { Code, codeToString, isKnownCode } from './code.js';
import { Metadata } from './metadata.js';

/** One entry of google.rpc.Status.details: a packed google.protobuf.Any. */
export interface ErrorDetail {
  /** Full type URL, e.g. `type.googleapis.com/google.rpc.BadRequest`. */
  typeUrl: string;
  /** The serialized message. */
  value: Uint8Array;
}

export interface TripleErrorOptions {
  details?: ErrorDetail[];
  /** Metadata sent with the error (gRPC trailers, Triple unary response headers). */
  metadata?: Metadata;
  cause?: unknown;
}

/**
 * The one error type below the Nest layer. Everything that must reach a peer as a status
 * (parse failures, limits, deadlines, handler errors) is a TripleError, and protocol code
 * branches on `code`, never on message text.
 */
export class TripleError extends Error {
  readonly code: Code;
  /** The message as sent on the wire, without the `[code]` prefix of `message`. */
  readonly rawMessage: string;
  readonly details: ErrorDetail[];
  readonly metadata: Metadata;

  constructor(code: Code, rawMessage: string, options: TripleErrorOptions = {}) {
    super(rawMessage ? `[${codeToString(code)}] ${rawMessage}` : `[${codeToString(code)}]`, { cause: options.cause });
    this.name = 'TripleError';
    this.code = code;
    this.rawMessage = rawMessage;
    this.details = options.details ?? [];
    this.metadata = options.metadata ?? new Metadata();
  }

  /**
   * Turns anything thrown into a TripleError. Values that are not TripleErrors become
   * `fallbackCode` with a generic message, so internals (stack, paths) never leak to peers.
   */
  static from(reason: unknown, fallbackCode: Code = Code.INTERNAL): TripleError {
    if (reason instanceof TripleError) return reason;
    if (isAbortError(reason)) return new TripleError(Code.CANCELLED, 'operation was cancelled', { cause: reason });
    return new TripleError(fallbackCode, fallbackCode === Code.INTERNAL ? 'internal error' : String(reason), { cause: reason });
  }

  /** Builds an error from a status a peer sent, tolerating out-of-range codes. */
  static fromStatus(code: number, message: string, options?: TripleErrorOptions): TripleError {
    return new TripleError(isKnownCode(code) ? code : Code.UNKNOWN, message, options);
  }
}

function isAbortError(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'AbortError';
}
