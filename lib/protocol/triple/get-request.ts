import { Code } from '../../core/code.js';
import type { CodecName } from '../../core/codec.js';
import { readSizeError } from '../../core/limits.js';
import { TripleError } from '../../core/triple-error.js';

/** A Triple unary request carried in the query string of a GET (triple-wire.md §1). */
export interface GetRequest {
  readonly codec: CodecName;
  /** The message bytes, still compressed when `compression` is set. Empty = default message. */
  readonly message: Uint8Array;
  /** `compression=gzip`: how `message` is compressed; undefined = identity. */
  readonly compression: string | undefined;
  /** True when `triple=` (dubbo-js) or `connect=` named a protocol version. */
  readonly hasVersion: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * Parses the query form of a Triple GET, as the dubbo-js client builds it with `useHttpGet`:
 * `?triple=v1.0.0&encoding=json|proto&message=<urlencoded JSON, or base64url>&base64=1&compression=gzip`.
 * GET exists so side-effect-free calls are cacheable and callable from a browser address bar
 * or plain curl, so the parser is forgiving where that helps: `encoding` defaults to json, a
 * missing `message` is the default message, and base64 may be url-safe or standard, padded or
 * not. Values are percent-decoded to bytes (not to a string), so a proto message sent without
 * base64 survives. Errors are INVALID_ARGUMENT (HTTP 400), returned for the caller to answer.
 */
export function parseGetRequest(query: string, readMaxBytes: number): { value: GetRequest } | { error: TripleError } {
  let encoding: string | undefined;
  let rawMessage: Uint8Array | undefined;
  let base64 = false;
  let compression: string | undefined;
  let hasVersion = false;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const raw = eq < 0 ? '' : pair.slice(eq + 1);
    const value = percentDecode(raw);
    if (value === undefined) return invalid(`malformed percent-encoding in query parameter "${name}"`);
    switch (name) {
      case 'encoding':
        encoding ??= value.toString('latin1');
        break;
      case 'message':
        rawMessage ??= value;
        break;
      case 'base64':
        base64 = value.toString('latin1') === '1' || value.toString('latin1') === 'true';
        break;
      case 'compression':
        compression ??= value.toString('latin1') || undefined;
        break;
      case 'triple':
      case 'connect':
        hasVersion = value.byteLength > 0;
        break;
      default:
        break; // unknown parameters (cache busters, tracing) are ignored
    }
  }
  const codec = encoding === undefined || encoding === 'json' ? 'json' : encoding === 'proto' ? 'proto' : undefined;
  if (!codec) return invalid(`unsupported encoding "${encoding}": expected json or proto`);
  let message = rawMessage ?? EMPTY;
  if (base64) {
    const text = Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('latin1');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) return invalid('query parameter "message" is not valid base64');
    message = Buffer.from(text, 'base64');
  }
  // The query is bounded by the header size limit already; this keeps GET and POST limits alike.
  if (message.byteLength > readMaxBytes) return { error: readSizeError(message.byteLength, readMaxBytes) };
  return { value: { codec, message, compression: compression === 'identity' ? undefined : compression, hasVersion } };
}

/**
 * `application/x-www-form-urlencoded` decoding to bytes: `+` is a space, `%XX` a byte.
 * Undefined for a `%` not followed by two hex digits.
 */
function percentDecode(text: string): Buffer | undefined {
  if (text.indexOf('%') < 0 && text.indexOf('+') < 0) return Buffer.from(text, 'latin1');
  const out = Buffer.allocUnsafe(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 43 /* + */) {
      out[n++] = 32;
    } else if (c === 37 /* % */) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else {
      out[n++] = c & 0xff;
    }
  }
  return out.subarray(0, n);
}

function invalid(message: string): { error: TripleError } {
  return { error: new TripleError(Code.INVALID_ARGUMENT, `protocol error: ${message}`) };
}
