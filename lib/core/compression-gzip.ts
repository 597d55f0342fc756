import { constants as bufferConstants } from 'node:buffer';
import zlib from 'node:zlib';
import { Code } from './code.js';
import type { Compression } from './compression.js';
import { TripleError } from './triple-error.js';

type ZlibOp = (data: Uint8Array, options: zlib.ZlibOptions, callback: (error: Error | null, result: Buffer) => void) => void;

/**
 * Builds a Compression on zlib's callback API (thread pool, never blocks the event loop).
 * Decompression passes `maxOutputLength`, so zlib itself stops inflating at the limit: a
 * 10 KiB bomb expanding to gigabytes costs at most `readMaxBytes` of memory.
 */
function zlibCompression(name: string, pack: ZlibOp, unpack: ZlibOp): Compression {
  const compressOptions: zlib.ZlibOptions = {};
  return {
    name,
    compress(data) {
      return new Promise((resolve, reject) => {
        pack(data, compressOptions, (error, result) => {
          if (error) reject(new TripleError(Code.INTERNAL, `${name} compression failed`, { cause: error }));
          else resolve(result);
        });
      });
    },
    decompress(data, readMaxBytes) {
      // zlib wants 1 <= maxOutputLength <= buffer max; the exact limit is re-checked below.
      const maxOutputLength = Math.min(Math.max(readMaxBytes, 1), bufferConstants.MAX_LENGTH);
      return new Promise((resolve, reject) => {
        unpack(data, { maxOutputLength }, (error, result) => {
          if (error) reject(decompressError(name, error, readMaxBytes));
          else if (result.byteLength > readMaxBytes) reject(tooLarge(readMaxBytes));
          else resolve(result);
        });
      });
    },
  };
}

function decompressError(name: string, error: Error, readMaxBytes: number): TripleError {
  // zlib reports hitting maxOutputLength as a RangeError with this code; anything else means
  // the bytes were not valid for the algorithm (Z_DATA_ERROR, truncated input Z_BUF_ERROR).
  if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(readMaxBytes, error);
  return new TripleError(Code.INVALID_ARGUMENT, `invalid ${name} data`, { cause: error });
}

function tooLarge(readMaxBytes: number, cause?: Error): TripleError {
  return new TripleError(Code.RESOURCE_EXHAUSTED, `decompressed message size is larger than configured max ${readMaxBytes}`, { cause });
}

/** `gzip` (RFC 1952), the one encoding every gRPC and Triple implementation supports. */
export const gzipCompression: Compression = zlibCompression('gzip', zlib.gzip, zlib.gunzip);

/**
 * `deflate` as HTTP and gRPC mean it: the zlib format (RFC 1950), not raw deflate. gRPC C-core and
 * grpc-js frame their `deflate` the same way.
 */
export const deflateCompression: Compression = zlibCompression('deflate', zlib.deflate, zlib.inflate);
