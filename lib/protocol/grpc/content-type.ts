import type { CodecName } from '../../core/codec.js';

const GRPC_PREFIX = 'application/grpc';

/**
 * Recognizes a gRPC request: `application/grpc` (= proto), `application/grpc+proto` and
 * `application/grpc+json`, case-insensitively and with any `;` parameters ignored. Returns
 * undefined for everything else, including gRPC-Web (`application/grpc-web…`), which this
 * server does not speak, and codecs we have no Codec for (`+hessian2`), so the dispatcher
 * answers 415 instead of failing mid-call.
 */
export function parseGrpcContentType(contentType: string | undefined): CodecName | undefined {
  if (contentType === undefined || contentType.length < GRPC_PREFIX.length) return undefined;
  // Fast path: the exact spellings every client sends, no allocation.
  if (contentType === 'application/grpc' || contentType === 'application/grpc+proto') return 'proto';
  if (contentType === 'application/grpc+json') return 'json';
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType === 'application/grpc' || mediaType === 'application/grpc+proto') return 'proto';
  if (mediaType === 'application/grpc+json') return 'json';
  return undefined;
}

/**
 * The response Content-Type for a codec. Always with the explicit suffix, which every client
 * accepts (Dubbo Java only checks the `application/grpc` prefix).
 */
export function grpcContentType(codec: CodecName): string {
  return codec === 'json' ? 'application/grpc+json' : 'application/grpc+proto';
}
