import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BadRequestException, ConflictException, ForbiddenException, GatewayTimeoutException, HttpException, ImATeapotException,
  InternalServerErrorException, NotFoundException, NotImplementedException, ServiceUnavailableException, UnauthorizedException,
} from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { Code } from '../../core/code.js';
import { Metadata } from '../../core/metadata.js';
import { TripleError } from '../../core/triple-error.js';
import { codeFromHttpStatus, toTripleError } from './error-mapping.js';
import { TripleException } from './triple.exception.js';

function recorder(): { error(...a: unknown[]): void; calls: unknown[][] } {
  const calls: unknown[][] = [];
  return { calls, error: (...a: unknown[]) => void calls.push(a) };
}
const quiet = { error: () => undefined };
const pair = (e: TripleError): [number, string] => [e.code, e.rawMessage];

describe('toTripleError', () => {
  test('TripleError as is; TripleException with all its parts', () => {
    const core = new TripleError(Code.ABORTED, 'x');
    assert.equal(toTripleError(core, quiet), core);
    const md = new Metadata({ 'x-a': 'b' });
    const mapped = toTripleError(new TripleException(Code.NOT_FOUND, 'gone', { metadata: md }), quiet);
    assert.deepEqual(pair(mapped), [Code.NOT_FOUND, 'gone']);
    assert.equal(mapped.metadata, md);
    assert.deepEqual(pair(toTripleError(new TripleException(Code.OK, 'odd'), quiet)), [Code.UNKNOWN, 'odd']);
  });

  test('objects left by BaseRpcExceptionFilter', () => {
    assert.deepEqual(pair(toTripleError({ code: 5, message: 'not here' }, quiet)), [Code.NOT_FOUND, 'not here']);
    assert.deepEqual(pair(toTripleError({ code: 3, details: 'bad field' }, quiet)), [Code.INVALID_ARGUMENT, 'bad field']);
    assert.deepEqual(pair(toTripleError({ status: 7, message: 'denied' }, quiet)), [Code.PERMISSION_DENIED, 'denied']);
    assert.deepEqual(pair(toTripleError({ statusCode: 404, message: 'Not Found' }, quiet)), [Code.NOT_FOUND, 'Not Found']);
    assert.deepEqual(pair(toTripleError({ status: 'error', message: 'plain text' }, quiet)), [Code.UNKNOWN, 'plain text']);
    assert.deepEqual(pair(toTripleError({ status: 'error', message: 'Internal server error' }, quiet)), [Code.INTERNAL, 'internal error']);
    assert.deepEqual(pair(toTripleError({ code: 0, message: 'ok?' }, quiet)), [Code.UNKNOWN, 'ok?']);
    const md = new Metadata({ 'x-m': '1' });
    assert.equal(toTripleError({ code: 9, message: 'm', metadata: md }, quiet).metadata, md);
  });

  test('raw RpcExceptions (no filter ran) map like their error', () => {
    assert.deepEqual(pair(toTripleError(new RpcException({ code: 6, message: 'dup' }), quiet)), [Code.ALREADY_EXISTS, 'dup']);
    assert.deepEqual(pair(toTripleError(new RpcException('text'), quiet)), [Code.UNKNOWN, 'text']);
  });

  test('HttpExceptions map by status', () => {
    const cases: Array<[HttpException, Code]> = [
      [new BadRequestException('b'), Code.INVALID_ARGUMENT],
      [new UnauthorizedException(), Code.UNAUTHENTICATED],
      [new ForbiddenException(), Code.PERMISSION_DENIED],
      [new NotFoundException(), Code.NOT_FOUND],
      [new ConflictException(), Code.ALREADY_EXISTS],
      [new ImATeapotException(), Code.FAILED_PRECONDITION],
      [new NotImplementedException(), Code.UNIMPLEMENTED],
      [new ServiceUnavailableException(), Code.UNAVAILABLE],
      [new GatewayTimeoutException(), Code.DEADLINE_EXCEEDED],
      [new InternalServerErrorException(), Code.INTERNAL],
      [new HttpException('too many', 429), Code.RESOURCE_EXHAUSTED],
      [new HttpException('client closed', 499), Code.CANCELLED],
      [new HttpException('precondition', 412), Code.FAILED_PRECONDITION],
    ];
    for (const [exception, code] of cases) assert.equal(toTripleError(exception, quiet).code, code, exception.name);
    assert.equal(toTripleError(new BadRequestException(['a', 'b']), quiet).rawMessage, 'a; b');
    assert.equal(toTripleError(new BadRequestException('why'), quiet).rawMessage, 'why');
  });

  test('codeFromHttpStatus fallbacks', () => {
    assert.equal(codeFromHttpStatus(418), Code.FAILED_PRECONDITION);
    assert.equal(codeFromHttpStatus(507), Code.INTERNAL);
    assert.equal(codeFromHttpStatus(302), Code.UNKNOWN);
  });

  test('an AbortError is CANCELLED', () => {
    const abort = new DOMException('aborted', 'AbortError');
    assert.equal(toTripleError(abort, quiet).code, Code.CANCELLED);
  });

  test('anything else: INTERNAL on the wire, the real error only in the log', () => {
    const log = recorder();
    const secret = new Error('password=hunter2');
    const mapped = toTripleError(secret, log);
    assert.deepEqual(pair(mapped), [Code.INTERNAL, 'internal error']);
    assert.equal(mapped.cause, secret);
    assert.equal(log.calls.length, 1);
    assert.match(String(log.calls[0]![0]), /hunter2/);
    assert.equal(log.calls[0]![1], secret.stack);
    assert.equal(toTripleError(42, log).code, Code.INTERNAL);
    assert.equal(toTripleError(undefined, log).code, Code.INTERNAL);
    assert.equal(log.calls.length, 3);
    // An Error's HTTP-ish `status` (axios & co.) is not trusted; a gRPC `code` is.
    assert.equal(toTripleError(Object.assign(new Error('upstream 404'), { status: 404 }), log).code, Code.INTERNAL);
    assert.equal(toTripleError(Object.assign(new Error('5 NOT_FOUND: x'), { code: 5, details: 'x' }), log).rawMessage, 'x');
    assert.equal(log.calls.length, 4);
  });
});
