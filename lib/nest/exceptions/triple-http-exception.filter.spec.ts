import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BadRequestException, Catch, Controller, HttpException, Module, UnauthorizedException, UseFilters, UseGuards,
  type CanActivate, type ExceptionFilter, type ExecutionContext, type INestMicroservice,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import * as microservices from '@nestjs/microservices';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom, throwError, type Observable } from 'rxjs';
import { Code } from '../../core/code.js';
import { TripleError } from '../../core/triple-error.js';
import { TRIPLE_TRANSPORT } from '../constants.js';
import { TripleMethod } from '../decorators/triple-method.decorator.js';
import { toTripleError } from './error-mapping.js';
import { convertException, tripleHttpExceptionFilter, TripleHttpExceptionFilter } from './triple-http-exception.filter.js';
import { TripleException } from './triple.exception.js';

// Nest's FILTER_CATCH_EXCEPTIONS key: what @Catch() records and Nest matches exceptions against.
const CATCH = '__filterCatchExceptions__';
const GrpcException = Reflect.get(microservices, 'GrpcException') as (new (message: string, code?: number) => Error) | undefined;

describe('TripleHttpExceptionFilter', () => {
  test('catches HttpException and TripleError (and GrpcException on Nest 12), not RpcException', () => {
    const types: unknown[] = Reflect.getMetadata(CATCH, TripleHttpExceptionFilter);
    assert.ok(types.includes(HttpException));
    assert.ok(types.includes(TripleError));
    assert.equal(types.includes(microservices.RpcException), false);
    if (GrpcException) assert.ok(types.includes(GrpcException));
  });

  test('rethrows an HttpException as a TripleException with the mapped code', async () => {
    const source = new UnauthorizedException('token expired');
    const err = await lastValueFrom(tripleHttpExceptionFilter.catch(source, {} as never)).catch((e: unknown) => e);
    assert.ok(err instanceof TripleException);
    assert.deepEqual([err.code, err.message, err.cause], [Code.UNAUTHENTICATED, 'token expired', source]);
    const validation = convertException(new BadRequestException(['a is empty'])) as TripleException;
    assert.deepEqual([validation.code, validation.message], [Code.INVALID_ARGUMENT, 'a is empty']);
  });

  test('passes TripleError through unchanged', () => {
    const core = new TripleError(Code.CANCELLED, 'gone');
    assert.equal(convertException(core), core);
  });

  test('maps GrpcException by its code', { skip: !GrpcException && 'Nest 11 has no GrpcException' }, () => {
    const converted = convertException(new GrpcException!('slow down', Code.RESOURCE_EXHAUSTED)) as TripleException;
    assert.deepEqual([converted.code, converted.message], [Code.RESOURCE_EXHAUSTED, 'slow down']);
    assert.equal((convertException(new GrpcException!('ok?', 0)) as TripleException).code, Code.UNKNOWN);
  });
});

/** Strategy that only lets the test call the handlers Nest registered. */
class HandlerServer extends Server implements CustomTransportStrategy {
  override transportId = TRIPLE_TRANSPORT;
  listen(callback: () => void): void {
    callback();
  }
  close(): void {}
  on(): void {}
  unwrap<T>(): T {
    throw new Error('not supported');
  }
  /** What the transport would send when calling `rpc` with `data` (after Nest's filter chain). */
  async failure(rpc: string, data: unknown = {}): Promise<TripleError> {
    const handler: MessageHandler | null = this.getHandlerByPattern(JSON.stringify({ service: 'Errors', rpc, streaming: 'no_stream' }));
    assert.ok(handler, rpc);
    try {
      const out: unknown = await handler(data, {});
      if (isObservable(out)) await lastValueFrom(out as Observable<unknown>);
    } catch (reason) {
      return toTripleError(reason, { error: () => undefined });
    }
    throw new Error(`${rpc} did not fail`);
  }
}

class DenyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { deny } = context.switchToRpc().getData() as { deny?: string };
    if (deny === 'auth') throw new UnauthorizedException('who are you');
    return deny !== 'false';
  }
}

@Catch(BadRequestException)
class UserBadRequestFilter implements ExceptionFilter {
  catch(): Observable<never> {
    return throwError(() => ({ code: Code.OUT_OF_RANGE, message: 'user filter' }));
  }
}

@Controller()
class ErrorsController {
  @TripleMethod('Errors', 'Bad')
  bad(data: { list?: boolean }): never {
    if (data.list) throw new BadRequestException(['name must be a string', 'age must be positive']);
    throw new BadRequestException('name is required');
  }

  @TripleMethod('Errors', 'Guarded')
  @UseGuards(new DenyGuard())
  guarded(): string {
    return 'ok';
  }

  @TripleMethod('Errors', 'Fail')
  fail(data: { kind: string }): never {
    if (data.kind === 'triple') throw new TripleException(Code.NOT_FOUND, 'no such hero', { metadata: { 'x-reason': 'gone' } });
    if (data.kind === 'core') throw new TripleError(Code.DEADLINE_EXCEEDED, 'too slow');
    if (data.kind === 'grpc' && GrpcException) throw new GrpcException('grpc says no', Code.NOT_FOUND);
    if (data.kind === 'rpc') throw new microservices.RpcException({ code: Code.ABORTED, message: 'rpc object' });
    throw new Error('secret /srv/path');
  }

  @UseFilters(new UserBadRequestFilter())
  @TripleMethod('Errors', 'FilterAbove')
  filterAbove(): never {
    throw new BadRequestException('x');
  }

  @TripleMethod('Errors', 'FilterBelow')
  @UseFilters(new UserBadRequestFilter())
  filterBelow(): never {
    throw new BadRequestException('x');
  }
}

@Module({ controllers: [ErrorsController] })
class ErrorsModule {}

describe('exceptions through a real Nest filter chain', () => {
  const server = new HandlerServer();
  let app: INestMicroservice;
  before(async () => {
    app = await NestFactory.createMicroservice(ErrorsModule, { strategy: server, logger: false });
    await app.listen();
  });
  after(async () => {
    await app.close();
  });

  test('HttpExceptions from handlers and guards keep their meaning', async () => {
    const bad = await server.failure('Bad');
    assert.deepEqual([bad.code, bad.rawMessage], [Code.INVALID_ARGUMENT, 'name is required']);
    assert.equal((await server.failure('Bad', { list: true })).rawMessage, 'name must be a string; age must be positive');
    const unauth = await server.failure('Guarded', { deny: 'auth' });
    assert.deepEqual([unauth.code, unauth.rawMessage], [Code.UNAUTHENTICATED, 'who are you']);
  });

  test("a guard returning false stays UNKNOWN 'Forbidden resource' (no message matching)", async () => {
    const denied = await server.failure('Guarded', { deny: 'false' });
    assert.deepEqual([denied.code, denied.rawMessage], [Code.UNKNOWN, 'Forbidden resource']);
  });

  test('TripleException, TripleError, RpcException({code}) keep their code; other errors are INTERNAL', async () => {
    const triple = await server.failure('Fail', { kind: 'triple' });
    assert.deepEqual([triple.code, triple.rawMessage, triple.metadata.get('x-reason')], [Code.NOT_FOUND, 'no such hero', 'gone']);
    assert.equal((await server.failure('Fail', { kind: 'core' })).code, Code.DEADLINE_EXCEEDED);
    const rpc = await server.failure('Fail', { kind: 'rpc' });
    assert.deepEqual([rpc.code, rpc.rawMessage], [Code.ABORTED, 'rpc object']);
    const internal = await server.failure('Fail', { kind: 'plain' });
    assert.deepEqual([internal.code, internal.rawMessage], [Code.INTERNAL, 'internal error']);
  });

  test('Nest 12 GrpcException keeps its code', { skip: !GrpcException && 'GrpcException needs Nest 12' }, async () => {
    const grpc = await server.failure('Fail', { kind: 'grpc' });
    assert.deepEqual([grpc.code, grpc.rawMessage], [Code.NOT_FOUND, 'grpc says no']);
  });

  test('user method-level filters win whichever side of @TripleMethod they are on', async () => {
    for (const rpc of ['FilterAbove', 'FilterBelow']) {
      const err = await server.failure(rpc);
      assert.deepEqual([err.code, err.rawMessage], [Code.OUT_OF_RANGE, 'user filter'], rpc);
    }
  });
});
