import { constants } from 'node:http2';
import { Code } from '../core/code.js';
import { TripleError } from '../core/triple-error.js';

const {
  NGHTTP2_NO_ERROR,
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_CANCEL,
  NGHTTP2_ENHANCE_YOUR_CALM,
  NGHTTP2_INADEQUATE_SECURITY,
} = constants;

/**
 * A peer's RST_STREAM code as a status, per the "Errors" table of gRPC's PROTOCOL-HTTP2.md:
 * REFUSED_STREAM → UNAVAILABLE (the request was not processed, safe to retry), CANCEL →
 * CANCELLED, ENHANCE_YOUR_CALM → RESOURCE_EXHAUSTED, INADEQUATE_SECURITY → PERMISSION_DENIED,
 * everything else (NO_ERROR before the end included) → INTERNAL.
 */
export function errorFromRstCode(rstCode: number): TripleError {
  switch (rstCode) {
    case NGHTTP2_REFUSED_STREAM:
      return new TripleError(Code.UNAVAILABLE, 'the server refused the stream (RST_STREAM REFUSED_STREAM)');
    case NGHTTP2_CANCEL:
      return new TripleError(Code.CANCELLED, 'the server cancelled the stream (RST_STREAM CANCEL)');
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return new TripleError(Code.RESOURCE_EXHAUSTED, 'the server reset the stream with ENHANCE_YOUR_CALM');
    case NGHTTP2_INADEQUATE_SECURITY:
      return new TripleError(Code.PERMISSION_DENIED, 'the server reset the stream with INADEQUATE_SECURITY');
    case NGHTTP2_NO_ERROR:
      return new TripleError(Code.INTERNAL, 'the server closed the stream before the response was complete');
    default:
      return new TripleError(Code.INTERNAL, `the server reset the stream with HTTP/2 error code ${rstCode}`);
  }
}

/** True for the RST code that proves the server never processed the stream. */
export function isRefused(rstCode: number): boolean {
  return rstCode === NGHTTP2_REFUSED_STREAM;
}

/**
 * A failed or lost connection as a status: always UNAVAILABLE, the code every gRPC client uses
 * for transport failures, so retries and callers branch on one code. The Node error stays the
 * cause; its `code` (ECONNREFUSED, ETIMEDOUT, ...) is quoted so logs say what happened.
 */
export function connectionError(what: string, cause?: unknown): TripleError {
  if (cause instanceof TripleError) return cause;
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
  return new TripleError(Code.UNAVAILABLE, errno ? `${what} (${errno})` : what, { cause });
}
