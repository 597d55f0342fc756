import { Catch, HttpException, type ArgumentsHost, type RpcExceptionFilter, type Type } from '@nestjs/common';
import * as microservices from '@nestjs/microservices';
import { throwError, type Observable } from 'rxjs';
import { Code, isKnownCode } from '../../core/code.js';
import { TripleError } from '../../core/triple-error.js';
import { codeFromHttpStatus, httpExceptionMessage } from './error-mapping.js';
import { TripleException } from './triple.exception.js';

/**
 * Nest 12's GrpcException (an Error with a gRPC `code`, not an RpcException). Looked up on the
 * namespace so the import also links against Nest 11, which has no such export.
 */
const GrpcException: Type<Error> | undefined = Reflect.get(microservices, 'GrpcException');

const caught: Type<unknown>[] = [HttpException, TripleError];
if (typeof GrpcException === 'function') caught.push(GrpcException);

/**
 * Keeps the meaning of exceptions that Nest's default BaseRpcExceptionFilter would swallow into
 * `{status: 'error', message: 'Internal server error'}` (it passes through only RpcExceptions):
 * - HttpException -> TripleException with the code of its HTTP status and its message, so
 *   ValidationPipe's BadRequestException arrives as INVALID_ARGUMENT and an auth guard's
 *   UnauthorizedException as UNAUTHENTICATED;
 * - TripleError (e.g. `ctx.signal.reason` rethrown after a cancel or deadline) -> as is;
 * - Nest 12's GrpcException -> TripleException with its code.
 *
 * `@TripleMethod`/`@TripleStreamMethod` bind one shared instance at method level. Nest orders a
 * handler's filters method > class > global (ExceptionFiltersContext reverses
 * [global, class, method] and the first filter whose `@Catch` matches wins), so:
 * - user filters bound with `@UseFilters` on the same method still win (the decorators put this
 *   filter first in the method's list, which is the last one consulted);
 * - class-level and global filters (`useGlobalFilters`, APP_FILTER) no longer see these three
 *   exception types on Triple handlers, including catch-all `@Catch()` filters. They still see
 *   everything else, TripleException included.
 *
 * A guard returning false makes Nest throw `RpcException('Forbidden resource')`. The text is the
 * only mark of it (FORBIDDEN_MESSAGE is not exported from a package root), and we never branch on
 * message text, so that one stays UNKNOWN. Guards that throw `ForbiddenException` or
 * `UnauthorizedException` map to PERMISSION_DENIED / UNAUTHENTICATED here.
 */
@Catch(...caught)
export class TripleHttpExceptionFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => convertException(exception));
  }
}

/** The conversion the filter applies; exported for transports and tests. */
export function convertException(exception: unknown): unknown {
  if (exception instanceof HttpException) {
    return new TripleException(codeFromHttpStatus(exception.getStatus()), httpExceptionMessage(exception), { cause: exception });
  }
  if (GrpcException && exception instanceof GrpcException) {
    const code: unknown = Reflect.get(exception, 'code');
    // GrpcException(msg, OK) is a contradiction; the handler still failed.
    if (isKnownCode(code)) return new TripleException(code === Code.OK ? Code.UNKNOWN : code, exception.message, { cause: exception });
  }
  return exception;
}

/** The instance the method decorators bind (stateless, so one is enough). */
export const tripleHttpExceptionFilter = new TripleHttpExceptionFilter();
