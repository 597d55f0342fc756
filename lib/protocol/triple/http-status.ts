import { Code } from '../../core/code.js';

/**
 * HTTP status of a Triple unary error response, by code (triple-wire.md §4.1). This is the
 * table dubbo-js (`codeToHttpStatus`) and dubbo-go (`tripleCodeToHTTP`) share — Connect's
 * original one — so their clients, which map a status back when the body is unreadable, land
 * on the same code: notably CANCELLED and DEADLINE_EXCEEDED are 408, FAILED_PRECONDITION 412
 * and UNIMPLEMENTED 404. Unknown codes are 500.
 */
export function httpStatusFromCode(code: Code): number {
  switch (code) {
    case Code.OK:
      return 200;
    case Code.CANCELLED:
    case Code.DEADLINE_EXCEEDED:
      return 408;
    case Code.INVALID_ARGUMENT:
    case Code.OUT_OF_RANGE:
      return 400;
    case Code.NOT_FOUND:
    case Code.UNIMPLEMENTED:
      return 404;
    case Code.ALREADY_EXISTS:
    case Code.ABORTED:
      return 409;
    case Code.PERMISSION_DENIED:
      return 403;
    case Code.RESOURCE_EXHAUSTED:
      return 429;
    case Code.FAILED_PRECONDITION:
      return 412;
    case Code.UNAVAILABLE:
      return 503;
    case Code.UNAUTHENTICATED:
      return 401;
    default:
      return 500;
  }
}

/**
 * Client side: the code of a non-200 Triple unary response whose body is not a readable error
 * (triple-wire.md §4.2, dubbo-js `codeFromHttpStatus`). Unlike gRPC mode, 400 is
 * INVALID_ARGUMENT and 408 DEADLINE_EXCEEDED, because a Triple server chose those statuses.
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.INVALID_ARGUMENT;
    case 401:
      return Code.UNAUTHENTICATED;
    case 403:
      return Code.PERMISSION_DENIED;
    case 404:
      return Code.UNIMPLEMENTED;
    case 408:
      return Code.DEADLINE_EXCEEDED;
    case 409:
      return Code.ABORTED;
    case 412:
      return Code.FAILED_PRECONDITION;
    case 413:
    case 431:
      return Code.RESOURCE_EXHAUSTED;
    case 415:
      return Code.INTERNAL;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.UNAVAILABLE;
    default:
      return Code.UNKNOWN;
  }
}
