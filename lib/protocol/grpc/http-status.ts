import { Code } from '../../core/code.js';

/**
 * Client side: the status to report when a gRPC response has a non-200 HTTP status and no
 * grpc-status (a proxy or a non-gRPC server answered). Follows gRPC's http-grpc-status-mapping
 * doc, which grpc-go, grpc-js, dubbo-go and Dubbo Java all use, so a call fails with the same
 * code whichever client made it. Note 400 is INTERNAL here, unlike Triple unary.
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.INTERNAL;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}
