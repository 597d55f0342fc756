import type { ServiceKey } from '../core/call-context.js';
import type { IncomingHeaders } from '../core/metadata.js';
import type { ServerCall } from '../core/server-call.js';
import type { ServerHandlerOptions } from '../core/server-options.js';
import { Code } from '../core/code.js';
import { TripleError } from '../core/triple-error.js';
import { parseGrpcContentType } from './grpc/content-type.js';
import { HEADER_TRI_SERVICE_GROUP, HEADER_TRI_SERVICE_VERSION } from './grpc/headers.js';
import { rejectGrpcCall, serveGrpcCall } from './grpc/server-handler.js';
import { parseTripleContentType } from './triple/content-type.js';
import { parseGetRequest } from './triple/get-request.js';
import { HEADER_CONTENT_ENCODING } from './triple/headers.js';
import { rejectTripleCall, serveTripleCall } from './triple/server-handler.js';
import { NO_SERVICE_KEY, type Router } from './router.js';

/** Content types this server accepts, advertised in `Accept-Post` on a 415 (sorted, as dubbo-go lists them). */
export const ACCEPTED_CONTENT_TYPES =
  'application/grpc, application/grpc+json, application/grpc+proto, application/json, application/json; charset=utf-8, application/proto';

/**
 * The entry point for every request on the port: picks the wire protocol from the HTTP method
 * and Content-Type, resolves the route (path + Dubbo group/version) and hands the call over.
 *
 * - gRPC content types (`application/grpc[+proto|+json]`): POST over HTTP/2 only; on HTTP/1.1
 *   505 + `connection: close`, as dubbo-js and dubbo-go answer (gRPC needs trailers).
 * - `application/json[; charset=utf-8]` / `application/proto` POST, and GET with the query
 *   form for methods marked `idempotency_level = NO_SIDE_EFFECTS`: Triple unary (and SSE).
 * - anything else: 415 + `Accept-Post`; an HTTP method other than POST/GET: 405 + `Allow`.
 *
 * A request no protocol claims gets a plain HTTP answer, never a hang.
 */
export function createCallDispatcher(router: Router, options: ServerHandlerOptions): (call: ServerCall) => void {
  return (call: ServerCall) => {
    const grpcCodec = parseGrpcContentType(single(call.headers['content-type']));
    const headerBytes = rawHeaderListSize(call.rawHeaders);
    if (headerBytes > options.maxMetadataSize) {
      const error = new TripleError(Code.RESOURCE_EXHAUSTED, `request metadata of ${headerBytes} bytes exceeds maxMetadataSize ${options.maxMetadataSize}`);
      if (grpcCodec) return rejectGrpcCall(call, grpcCodec, error);
      return plainError(call, 431, {});
    }
    if (grpcCodec) {
      if (call.httpMethod !== 'POST') return plainError(call, 405, { allow: 'POST' });
      if (call.httpVersion !== '2') return plainError(call, 505, { connection: 'close' });
      const route = router.resolve(call.path, serviceKeyOf(call.headers));
      if (route instanceof TripleError) return rejectGrpcCall(call, grpcCodec, route);
      return serveGrpcCall(call, route, grpcCodec, options);
    }
    if (call.httpMethod === 'POST') return dispatchTriplePost(call, router, options);
    if (call.httpMethod === 'GET') return dispatchTripleGet(call, router, options);
    return plainError(call, 405, { allow: allowedMethods(router, call.path) });
  };
}

function dispatchTriplePost(call: ServerCall, router: Router, options: ServerHandlerOptions): void {
  const codec = parseTripleContentType(single(call.headers['content-type']));
  if (!codec) return plainError(call, 415, { 'accept-post': ACCEPTED_CONTENT_TYPES });
  const route = router.resolve(call.path, serviceKeyOf(call.headers));
  if (route instanceof TripleError) return rejectTripleCall(call, route, options);
  const encoding = call.headers[HEADER_CONTENT_ENCODING];
  serveTripleCall(call, route, { codec, encoding: Array.isArray(encoding) ? encoding.join(',') : encoding }, options);
}

/**
 * Triple GET: only for methods whose proto says `idempotency_level = NO_SIDE_EFFECTS` (a GET
 * may be repeated or prefetched by caches and browsers), as dubbo-js allows; other methods
 * answer 405 `Allow: POST`. An unknown path is a Triple 404 like a POST to it.
 */
function dispatchTripleGet(call: ServerCall, router: Router, options: ServerHandlerOptions): void {
  const route = router.resolve(call.path, serviceKeyOf(call.headers));
  if (route instanceof TripleError) {
    const method = router.findMethod(call.path);
    if (method && method.idempotency !== 'NO_SIDE_EFFECTS') return plainError(call, 405, { allow: 'POST' });
    return rejectTripleCall(call, route, options);
  }
  if (route.method.idempotency !== 'NO_SIDE_EFFECTS') return plainError(call, 405, { allow: 'POST' });
  const parsed = parseGetRequest(call.query, options.readMaxBytes);
  if ('error' in parsed) return rejectTripleCall(call, parsed.error, options);
  const { codec, message, compression, hasVersion } = parsed.value;
  serveTripleCall(call, route, { codec, message, encoding: compression, hasVersion }, options);
}

/** The `Allow` value of a path: GET too for NO_SIDE_EFFECTS methods. */
function allowedMethods(router: Router, path: string): string {
  return router.findMethod(path)?.idempotency === 'NO_SIDE_EFFECTS' ? 'GET, POST' : 'POST';
}

/** Group and version a Dubbo consumer asked for; empty values count as absent. */
export function serviceKeyOf(headers: IncomingHeaders): ServiceKey {
  const group = single(headers[HEADER_TRI_SERVICE_GROUP]);
  const version = single(headers[HEADER_TRI_SERVICE_VERSION]);
  if (!group && !version) return NO_SERVICE_KEY;
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

/** {@link headerListSize} of a flat `[name, value, ...]` list (ServerCall.rawHeaders): every field counts. */
export function rawHeaderListSize(raw: readonly string[]): number {
  let size = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) size += raw[i]!.length + raw[i + 1]!.length + 32;
  return size;
}

/** A bodyless answer; `content-length: 0` keeps an HTTP/1.1 connection reusable without chunking. */
function plainError(call: ServerCall, status: number, headers: Record<string, string | number>): void {
  call.drainBody();
  headers['content-length'] = 0;
  call.respond(status, headers, { endStream: true });
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
