import { decodeBinaryHeader, encodeBinaryHeader } from '../../core/binary-header.js';
import { Code } from '../../core/code.js';
import { Metadata, type IncomingHeaders, type OutgoingHeaders } from '../../core/metadata.js';
import { decodeStatusDetails, encodeStatusDetails } from '../../core/status-details.js';
import { TripleError } from '../../core/triple-error.js';
import { grpcReservedHeaders, HEADER_GRPC_MESSAGE, HEADER_GRPC_STATUS, HEADER_GRPC_STATUS_DETAILS_BIN } from './headers.js';

/** Anything outside printable ASCII, or '%' itself, must be escaped in grpc-message. */
const needsEncoding = /[^\x20-\x24\x26-\x7e]/;
/** A received value needs work only if it has escapes or raw non-ASCII bytes. */
const needsDecoding = /[%\x80-\uffff]/;
const hexDigits = '0123456789ABCDEF';

/**
 * Percent-encodes a status message for `grpc-message` as the gRPC spec says: the UTF-8 bytes
 * below 0x20, above 0x7E and '%' become `%XX` (upper case); everything else, spaces included,
 * stays readable. This is what grpc-go and dubbo-go send and every gRPC client decodes.
 */
export function encodeGrpcMessage(message: string): string {
  if (!needsEncoding.test(message)) return message;
  const bytes = Buffer.from(message, 'utf8');
  let out = '';
  let plainStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b <= 0x7e && b !== 0x25) continue;
    if (i > plainStart) out += bytes.toString('latin1', plainStart, i);
    out += '%' + hexDigits[b >> 4]! + hexDigits[b & 15]!;
    plainStart = i + 1;
  }
  if (plainStart < bytes.length) out += bytes.toString('latin1', plainStart, bytes.length);
  return out;
}

/**
 * Decodes `grpc-message`, tolerating what real peers send: malformed `%` sequences are kept
 * literally (the spec says to tolerate them) and the bytes are read as UTF-8 with replacement
 * characters for invalid sequences. node:http2 hands header values over as latin1, so each char
 * below 0x100 is taken as one raw byte; that also recovers peers that send raw UTF-8.
 */
export function decodeGrpcMessage(value: string): string {
  if (!needsDecoding.test(value)) return value;
  const out = Buffer.allocUnsafe(value.length * 3);
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length) {
      const hi = hexValue(value.charCodeAt(i + 1));
      const lo = hexValue(value.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    if (c < 0x100) {
      out[n++] = c;
    } else {
      // Only reachable for strings built in JS, not read off the wire: keep the character.
      const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < value.length ? 2 : 1;
      n += out.write(value.slice(i, i + pair), n, 'utf8');
      i += pair - 1;
    }
  }
  return out.toString('utf8', 0, n);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Trailers ending a call with an error: grpc-status, grpc-message (when non-empty),
 * grpc-status-details-bin (when the error has details, so rich errors reach clients that read
 * google.rpc.Status) and the user's metadata: `trailer` (set by the handler) plus the error's
 * own metadata. User entries with reserved names are dropped so they cannot forge a status.
 */
export function errorTrailers(error: TripleError, trailer?: Metadata): OutgoingHeaders {
  const headers: OutgoingHeaders = {};
  if (trailer && trailer.size > 0) {
    if (error.metadata.size > 0) writeUserMetadata(trailer.clone().merge(error.metadata), headers);
    else writeUserMetadata(trailer, headers);
  } else if (error.metadata.size > 0) {
    writeUserMetadata(error.metadata, headers);
  }
  headers[HEADER_GRPC_STATUS] = String(error.code);
  if (error.rawMessage) headers[HEADER_GRPC_MESSAGE] = encodeGrpcMessage(error.rawMessage);
  if (error.details.length > 0) {
    headers[HEADER_GRPC_STATUS_DETAILS_BIN] = encodeBinaryHeader(encodeStatusDetails(error.code, error.rawMessage, error.details));
  }
  return headers;
}

/** The trailers of a successful call without trailing metadata; node:http2 only copies them. */
const OK_STATUS: OutgoingHeaders = Object.freeze({ [HEADER_GRPC_STATUS]: '0' });

/**
 * Trailers of a successful call: `grpc-status: 0` and the handler's trailing metadata. Without
 * metadata the result is a shared frozen object: callers must copy it, never modify it.
 */
export function okTrailers(trailer: Metadata | undefined): OutgoingHeaders {
  if (!trailer || trailer.size === 0) return OK_STATUS;
  const headers: OutgoingHeaders = {};
  writeUserMetadata(trailer, headers);
  headers[HEADER_GRPC_STATUS] = '0';
  return headers;
}

/** Metadata.writeTo, minus reserved names (a user "grpc-status" must not reach the wire). */
function writeUserMetadata(metadata: Metadata, headers: OutgoingHeaders): void {
  for (const [key, values] of metadata.entries()) {
    if (grpcReservedHeaders.has(key)) continue;
    if (values.length === 1) {
      const v = values[0]!;
      headers[key] = typeof v === 'string' ? v : encodeBinaryHeader(v);
    } else {
      headers[key] = values.map((v) => (typeof v === 'string' ? v : encodeBinaryHeader(v)));
    }
  }
}

/**
 * Client side: the error a peer's trailers (or trailers-only headers) describe, undefined for
 * OK. A valid grpc-status-details-bin whose code agrees with grpc-status wins (it carries the
 * details and an unescaped message); otherwise grpc-status and the decoded grpc-message are
 * used. A missing or malformed grpc-status is INTERNAL, as grpc-go and grpc-js report it. The
 * remaining non-reserved trailers become the error's metadata.
 */
export function trailersToError(headers: IncomingHeaders): TripleError | undefined {
  const statusText = first(headers[HEADER_GRPC_STATUS]);
  if (statusText === undefined) return new TripleError(Code.INTERNAL, 'protocol error: missing grpc-status trailer');
  if (!/^\d{1,10}$/.test(statusText)) {
    return new TripleError(Code.INTERNAL, `protocol error: invalid grpc-status trailer: ${JSON.stringify(statusText)}`);
  }
  const code = Number(statusText);
  if (code === 0) return undefined;
  let metadata: Metadata;
  try {
    metadata = Metadata.fromHeaders(headers, grpcReservedHeaders);
  } catch {
    // A malformed -bin trailer must not hide the status the peer meant to send.
    metadata = new Metadata();
  }
  const rawMessage = first(headers[HEADER_GRPC_MESSAGE]);
  const message = rawMessage ? decodeGrpcMessage(rawMessage) : '';
  const detailsBin = first(headers[HEADER_GRPC_STATUS_DETAILS_BIN]);
  if (detailsBin) {
    try {
      const status = decodeStatusDetails(decodeBinaryHeader(detailsBin));
      if (status.code === code) {
        return TripleError.fromStatus(code, status.message || message, { details: status.details, metadata });
      }
    } catch {
      // Undecodable details: fall back to grpc-status / grpc-message below.
    }
  }
  return TripleError.fromStatus(code, message, { metadata });
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
