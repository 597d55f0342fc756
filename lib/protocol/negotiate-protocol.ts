import type { ServiceKey } from '../core/call-context.js';
import type { IncomingHeaders } from '../core/metadata.js';
import type { ServerCall } from '../core/server-call.js';
import type { ServerHandlerOptions } from '../core/server-options.js';
import { Code } from '../core/code.js';
import { TripleError } from '../core/triple-error.js';
import { parseGrpcContentType } from './grpc/content-type.js';
import { HEADER_TRI_SERVICE_GROUP, HEADER_TRI_SERVICE_VERSION } from './grpc/headers.js';
import { rejectGrpcCall, serveGrpcCall } from './grpc/server-handler.js';
import type { Router } from './router.js';

/** Content types this server accepts, advertised in `Accept-Post` on a 415. */
export const ACCEPTED_CONTENT_TYPES = 'application/grpc, application/grpc+json, application/grpc+proto';

/**
 * The entry point for every request on the port: picks the wire protocol from the HTTP method
 * and Content-Type, resolves the route (path + Dubbo group/version) and hands the call over.
 * A request no protocol claims gets a plain HTTP answer (405, 415), never a hang.
 */
export function createCallDispatcher(router: Router, options: ServerHandlerOptions): (call: ServerCall) => void {
  return (call: ServerCall) => {
    const grpcCodec = parseGrpcContentType(single(call.headers['content-type']));
    const headerBytes = headerListSize(call.headers);
    if (headerBytes > options.maxMetadataSize) {
      const error = new TripleError(Code.RESOURCE_EXHAUSTED, `request metadata of ${headerBytes} bytes exceeds maxMetadataSize ${options.maxMetadataSize}`);
      if (grpcCodec) return rejectGrpcCall(call, grpcCodec, error);
      return plainError(call, 431, {});
    }
    if (grpcCodec) {
      if (call.httpMethod !== 'POST') return plainError(call, 405, { allow: 'POST' });
      const route = router.resolve(call.path, serviceKeyOf(call.headers));
      if (route instanceof TripleError) return rejectGrpcCall(call, grpcCodec, route);
      return serveGrpcCall(call, route, grpcCodec, options);
    }
    if (call.httpMethod !== 'POST' && call.httpMethod !== 'GET') return plainError(call, 405, { allow: 'POST' });
    return plainError(call, 415, { 'accept-post': ACCEPTED_CONTENT_TYPES });
  };
}

/** Group and version a Dubbo consumer asked for; empty values count as absent. */
export function serviceKeyOf(headers: IncomingHeaders): ServiceKey {
  const group = single(headers[HEADER_TRI_SERVICE_GROUP]);
  const version = single(headers[HEADER_TRI_SERVICE_VERSION]);
  return { group: group || undefined, version: version || undefined };
}

/**
 * Size of a header list as HTTP/2 counts it for SETTINGS_MAX_HEADER_LIST_SIZE: name + value
 * + 32 bytes per field. Node advertises the setting but does not enforce it on requests.
 */
export function headerListSize(headers: IncomingHeaders): number {
  let size = 0;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) size += name.length + v.length + 32;
    else size += name.length + value.length + 32;
  }
  return size;
}

function plainError(call: ServerCall, status: number, headers: Record<string, string>): void {
  call.drainBody();
  call.respond(status, headers, { endStream: true });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
