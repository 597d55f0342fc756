import { HttpException, Logger } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Code, isKnownCode } from '../../core/code.js';
import { Metadata } from '../../core/metadata.js';
import { TripleError } from '../../core/triple-error.js';
import { TripleException } from './triple.exception.js';

/** Where unexpected errors are reported; Nest's `Logger` fits. */
export interface ErrorLogger {
  error(message: unknown, ...rest: unknown[]): void;
}

/**
 * The object Nest's BaseRpcExceptionFilter substitutes for any non-RpcException (it logs the
 * original first). The text is `MESSAGES.UNKNOWN_EXCEPTION_MESSAGE` of @nestjs/core, which is
 * not exported from the package root, so we compare with the literal.
 */
const NEST_UNKNOWN_EXCEPTION_MESSAGE = 'Internal server error';

const defaultLogger = new Logger('TripleExceptions');

/**
 * HTTP status of an HttpException -> status code. Follows the HTTP mapping in google/rpc/code.proto
 * (read in reverse) and grpc-gateway, so a Nest app's BadRequestException (ValidationPipe),
 * UnauthorizedException (auth guards) or NotFoundException keeps its meaning over RPC.
 * 409 maps to ALREADY_EXISTS (Nest's ConflictException is mostly "duplicate"), 422 (Nest's
 * UnprocessableEntityException, used for validation) to INVALID_ARGUMENT.
 */
const httpStatusToCode: ReadonlyMap<number, Code> = new Map([
  [400, Code.INVALID_ARGUMENT],
  [401, Code.UNAUTHENTICATED],
  [403, Code.PERMISSION_DENIED],
  [404, Code.NOT_FOUND],
  [405, Code.UNIMPLEMENTED],
  [408, Code.DEADLINE_EXCEEDED],
  [409, Code.ALREADY_EXISTS],
  [410, Code.NOT_FOUND],
  [412, Code.FAILED_PRECONDITION],
  [413, Code.RESOURCE_EXHAUSTED],
  [416, Code.OUT_OF_RANGE],
  [422, Code.INVALID_ARGUMENT],
  [429, Code.RESOURCE_EXHAUSTED],
  [499, Code.CANCELLED],
  [501, Code.UNIMPLEMENTED],
  [502, Code.UNAVAILABLE],
  [503, Code.UNAVAILABLE],
  [504, Code.DEADLINE_EXCEEDED],
]);

/**
 * Code for an HTTP status. Unlisted 4xx are client errors the server refused to act on
 * (FAILED_PRECONDITION, as code.proto groups generic 400s); unlisted 5xx are server faults
 * (INTERNAL); anything else (1xx-3xx in an exception makes no sense) is UNKNOWN.
 */
export function codeFromHttpStatus(status: number): Code {
  const mapped = httpStatusToCode.get(status);
  if (mapped !== undefined) return mapped;
  if (status >= 400 && status < 500) return Code.FAILED_PRECONDITION;
  if (status >= 500 && status < 600) return Code.INTERNAL;
  return Code.UNKNOWN;
}

/**
 * The text of an HttpException as a status message. ValidationPipe puts its messages in
 * `response.message` as an array (the exception's own `message` is just "Bad Request
 * Exception"), so arrays are joined: the client learns which field was wrong.
 */
export function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message) && message.length > 0 && message.every((m) => typeof m === 'string')) return message.join('; ');
  return exception.message;
}

/**
 * Turns what a Nest handler failed with - after Nest's exception filters ran - into the
 * TripleError the protocols write. Handles, in order:
 * - TripleError (as is) and TripleException (its code, message, details, metadata);
 * - HttpException (reaches us only when a user filter rethrows it, or from inside an async
 *   generator, which Nest's filters never see): code by HTTP status;
 * - a raw RpcException (thrown where no filter ran): mapped like its `getError()` value;
 * - `{code: 0..16, message|details}` (RpcException({code}), Nest 12's GrpcException or what
 *   GrpcExceptionFilter makes of it, a grpc-js ServiceError): that code;
 * - a plain `{status: 0..16, message}`: that code; a plain `{status|statusCode: 400..599}` (an
 *   HttpException response body wrapped in an RpcException): code by HTTP status;
 * - `{status: 'error', message}` (RpcException('text')): UNKNOWN with the text, except Nest's own
 *   'Internal server error' object, which stands for an unexpected error: INTERNAL;
 * - an AbortError: CANCELLED.
 * Anything else is a bug: INTERNAL 'internal error' goes on the wire and the value itself is
 * logged with its stack through `logger`, never sent (it may hold paths, SQL, secrets).
 */
export function toTripleError(reason: unknown, logger: ErrorLogger = defaultLogger): TripleError {
  if (reason instanceof TripleError) return reason;
  if (reason instanceof TripleException) {
    if (reason.code !== Code.OK) return reason.toTripleError();
    // A "failure" with status OK would read as success on the wire; the handler did fail.
    return new TripleError(Code.UNKNOWN, reason.message, { details: reason.details, metadata: reason.metadata, cause: reason });
  }
  if (reason instanceof HttpException) {
    return new TripleError(codeFromHttpStatus(reason.getStatus()), httpExceptionMessage(reason), { cause: reason });
  }
  if (reason instanceof RpcException) {
    const error = reason.getError();
    return toTripleError(typeof error === 'object' && error !== null ? error : { status: 'error', message: error }, logger);
  }
  if (reason instanceof Error && reason.name === 'AbortError') return TripleError.from(reason);
  const mapped = fromStatusObject(reason);
  if (mapped) return mapped;
  if (reason instanceof Error && reason.stack) logger.error(describe(reason), reason.stack);
  else logger.error(describe(reason));
  return new TripleError(Code.INTERNAL, 'internal error', { cause: reason });
}

/** The `{code|status, message}` shapes of the list above, or undefined. */
function fromStatusObject(reason: unknown): TripleError | undefined {
  if (typeof reason !== 'object' || reason === null) return undefined;
  const { code, status, statusCode } = reason as { code?: unknown; status?: unknown; statusCode?: unknown };
  const options = { cause: reason, metadata: metadataOf(reason) };
  if (isKnownCode(code)) return statusError(code, messageOf(reason), options);
  // `status` is read only from plain payloads (RpcException({status}) after Nest's filter):
  // on Error instances it is too often an HTTP client's response status (axios, fetch wrappers).
  if (reason instanceof Error) return undefined;
  if (isKnownCode(status)) return statusError(status, messageOf(reason), options);
  const httpStatus = isHttpStatus(status) ? status : isHttpStatus(statusCode) ? statusCode : undefined;
  if (httpStatus !== undefined) return new TripleError(codeFromHttpStatus(httpStatus), messageOf(reason), options);
  if (status === 'error') {
    const message = (reason as { message?: unknown }).message;
    if (message === NEST_UNKNOWN_EXCEPTION_MESSAGE) return new TripleError(Code.INTERNAL, 'internal error', { cause: reason });
    return new TripleError(Code.UNKNOWN, typeof message === 'string' ? message : stringify(message), options);
  }
  return undefined;
}

/** Code 0 (OK) as an error is a contradiction; the caller still failed, so it becomes UNKNOWN. */
function statusError(code: Code, message: string, options: { cause: unknown; metadata?: Metadata }): TripleError {
  return new TripleError(code === Code.OK ? Code.UNKNOWN : code, message, options);
}

/** `details` first: grpc-js errors keep the bare text there and prefix `message` with the code. */
function messageOf(reason: object): string {
  const { details, message } = reason as { details?: unknown; message?: unknown };
  if (typeof details === 'string') return details;
  if (typeof message === 'string') return message;
  if (Array.isArray(message) && message.every((m) => typeof m === 'string')) return message.join('; ');
  return '';
}

function metadataOf(reason: object): Metadata | undefined {
  const metadata = (reason as { metadata?: unknown }).metadata;
  return metadata instanceof Metadata ? metadata : undefined;
}

function isHttpStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  try {
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return `Unhandled ${reason.name} in a Triple handler: ${reason.message}`;
  return `Unhandled non-error value thrown in a Triple handler: ${stringify(reason) || String(reason)}`;
}
