import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/**
 * A per-message compression algorithm (`grpc-encoding`, `Content-Encoding`). Asynchronous so
 * zlib runs on the thread pool instead of blocking the event loop on large messages.
 */
export interface Compression {
  /** The token on the wire: `gzip`, `deflate`. Lower case. */
  readonly name: string;
  /** Compresses one message. Rejects with TripleError INTERNAL on failure. */
  compress(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Decompresses one message, refusing to produce more than `readMaxBytes` (RESOURCE_EXHAUSTED)
   * so a small compression bomb cannot exhaust memory; corrupt input is INVALID_ARGUMENT.
   */
  decompress(data: Uint8Array, readMaxBytes: number): Promise<Uint8Array>;
}

/** Outcome of {@link negotiateCompression}: null means identity (no compression). */
export interface CompressionNegotiation {
  /** How request messages flagged as compressed are decompressed. */
  request: Compression | null;
  /** How response messages are compressed. */
  response: Compression | null;
  /** Set when the peer used an encoding we do not support; answer with it (UNIMPLEMENTED). */
  error?: TripleError;
}

const IDENTITY = 'identity';
const NOTHING: CompressionNegotiation = Object.freeze({ request: null, response: null });

/**
 * Picks the request and response compression of one call from the peer's headers
 * (`grpc-encoding` / `grpc-accept-encoding` or their Triple equivalents).
 *
 * - `requested` absent or `identity` means uncompressed requests; an encoding we do not know
 *   is an error (UNIMPLEMENTED, as the gRPC compression spec and dubbo-js/dubbo-go answer), with
 *   the supported list in the text so the peer can adapt.
 * - The response uses the first entry of `accepted` (in the peer's order, q-values ignored)
 *   that we support; `identity` listed first, or nothing supported, means uncompressed.
 */
export function negotiateCompression(
  available: readonly Compression[],
  requested: string | undefined,
  accepted: string | undefined,
): CompressionNegotiation {
  if (!requested && !accepted) return NOTHING;
  let request: Compression | null = null;
  if (requested) {
    const name = requested.trim().toLowerCase();
    if (name !== IDENTITY && name !== '') {
      request = find(available, name);
      if (!request) {
        const error = new TripleError(
          Code.UNIMPLEMENTED,
          `unknown compression "${requested}": supported encodings are ${acceptEncodingHeader(available)}`,
        );
        return { request: null, response: null, error };
      }
    }
  }
  return { request, response: accepted ? pickAccepted(available, accepted) : null };
}

function pickAccepted(available: readonly Compression[], accepted: string): Compression | null {
  for (const entry of accepted.toLowerCase().split(',')) {
    const semicolon = entry.indexOf(';');
    const name = (semicolon < 0 ? entry : entry.slice(0, semicolon)).trim();
    if (name === IDENTITY) return null;
    const found = find(available, name);
    if (found) return found;
  }
  return null;
}

function find(available: readonly Compression[], name: string): Compression | null {
  for (let i = 0; i < available.length; i++) if (available[i]!.name === name) return available[i]!;
  return null;
}

const headerCache = new WeakMap<readonly Compression[], string>();

/**
 * The `grpc-accept-encoding` / `accept-encoding` value advertising `available`, e.g.
 * `gzip,deflate`; `identity` when nothing is configured, so the header is never empty.
 * Cached per list because servers send it on every response.
 */
export function acceptEncodingHeader(available: readonly Compression[]): string {
  let value = headerCache.get(available);
  if (value === undefined) {
    value = available.length === 0 ? IDENTITY : available.map((c) => c.name).join(',');
    headerCache.set(available, value);
  }
  return value;
}
