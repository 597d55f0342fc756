import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/**
 * `-bin` metadata travels as base64. Every peer we know accepts unpadded standard base64 and
 * Dubbo Go/Java emit it, so we emit it too; we accept padded, unpadded and url-safe input.
 */
export function encodeBinaryHeader(value: Uint8Array): string {
  const b64 = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  let end = b64.length;
  while (end > 0 && b64.charCodeAt(end - 1) === 61 /* '=' */) end--;
  return end === b64.length ? b64 : b64.slice(0, end);
}

const base64Chars = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes a `-bin` header value; throws INVALID_ARGUMENT on anything that is not base64. */
export function decodeBinaryHeader(value: string): Buffer {
  if (!base64Chars.test(value) || value.replace(/=+$/, '').length % 4 === 1) {
    throw new TripleError(Code.INVALID_ARGUMENT, 'invalid base64 in binary metadata value');
  }
  return Buffer.from(value, 'base64');
}
