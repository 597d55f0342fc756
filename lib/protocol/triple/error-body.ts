import { decodeBinaryHeader, encodeBinaryHeader } from '../../core/binary-header.js';
import { Code, codeFromString, codeToString, isKnownCode } from '../../core/code.js';
import type { ErrorDetail, TripleError } from '../../core/triple-error.js';
import { codeFromHttpStatus } from './http-status.js';

/** Any's type URL prefix; the JSON body carries the bare type name, as Connect does. */
const TYPE_URL_PREFIX = 'type.googleapis.com/';
const utf8Decoder = new TextDecoder();

/**
 * The JSON body of a Triple unary error (triple-wire.md §4.3), readable by every client:
 * `{"code":"failed_precondition","status":9,"message":"...","details":[{"type":"pkg.Msg","value":"<base64>"}]}`.
 * dubbo-go and Connect read the snake_case `code`, dubbo-js the numeric `status`; each ignores
 * the other's key, so sending both lets either decode the code. `message` and `details` are
 * omitted when empty (dubbo-go does the same); detail values are unpadded base64, which both
 * decoders accept.
 */
export function encodeErrorBody(error: TripleError): Uint8Array {
  return Buffer.from(JSON.stringify(errorBodyJson(error)), 'utf8');
}

/** The JSON object of an error body, for embedding (an SSE status event). */
export interface ErrorBodyJson {
  code: string;
  status: number;
  message?: string;
  details?: Array<{ type: string; value: string }>;
}

/** {@link encodeErrorBody} before serialization. */
export function errorBodyJson(error: TripleError): ErrorBodyJson {
  const body: ErrorBodyJson = { code: codeToString(error.code), status: error.code };
  if (error.rawMessage) body.message = error.rawMessage;
  if (error.details.length > 0) {
    body.details = error.details.map((d) => ({
      type: d.typeUrl.startsWith(TYPE_URL_PREFIX) ? d.typeUrl.slice(TYPE_URL_PREFIX.length) : d.typeUrl,
      value: encodeBinaryHeader(d.value),
    }));
  }
  return body;
}

/** What a peer's error body says; `code` is a number the caller range-checks (fromStatus). */
export interface ParsedErrorBody {
  code: number;
  message: string;
  details: ErrorDetail[];
}

/**
 * Client side: reads a non-200 Triple unary body leniently, whichever server wrote it —
 * `{"code":"not_found"}` (dubbo-go, Connect, us), `{"status":5}` (dubbo-js, us) or
 * `{"status":"404"}` (Dubbo Java: an HTTP status as a string, mapped by the §4.2 table).
 * A usable `code` wins over `status`. Undefined when the body is not a JSON object naming a
 * code; the caller then falls back to the HTTP status. Malformed details are skipped, never
 * fatal: the code and message are what matter.
 */
export function parseErrorBody(bytes: Uint8Array): ParsedErrorBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decoder.decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const record = json as Record<string, unknown>;
  const code = codeOf(record['code']) ?? statusOf(record['status']);
  if (code === undefined) return undefined;
  const message = typeof record['message'] === 'string' ? record['message'] : '';
  return { code, message, details: detailsOf(record['details']) };
}

function codeOf(value: unknown): number | undefined {
  if (typeof value === 'string') return codeFromString(value);
  return isKnownCode(value) ? value : undefined;
}

function statusOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'string' && /^\d{3}$/.test(value)) {
    const http = Number(value);
    return http === 200 ? Code.UNKNOWN : codeFromHttpStatus(http);
  }
  return undefined;
}

function detailsOf(value: unknown): ErrorDetail[] {
  if (!Array.isArray(value)) return [];
  const details: ErrorDetail[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null) continue;
    const { type, value: encoded } = item as Record<string, unknown>;
    if (typeof type !== 'string' || typeof encoded !== 'string') continue;
    try {
      details.push({ typeUrl: type.includes('/') ? type : TYPE_URL_PREFIX + type, value: decodeBinaryHeader(encoded) });
    } catch {
      // an undecodable detail is dropped; the status itself is still valid
    }
  }
  return details;
}
