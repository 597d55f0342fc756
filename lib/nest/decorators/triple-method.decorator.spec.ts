import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Controller,
  Injectable,
  Module,
  UseGuards,
  UseInterceptors,
  UsePipes,
  type ArgumentMetadata,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type INestMicroservice,
  type NestInterceptor,
  type PipeTransform,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload, Server, Transport, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom, map, of, type Observable } from 'rxjs';
import type { CallContext } from '../../core/call-context.js';
import { Metadata } from '../../core/metadata.js';
import type { MethodDescriptor } from '../../core/method-descriptor.js';
import { TRIPLE_TRANSPORT } from '../constants.js';
import { TripleContext } from '../ctx-host/triple.context.js';
import { TripleMethod } from './triple-method.decorator.js';
import { TripleService } from './triple-service.decorator.js';
import { TripleStreamMethod } from './triple-stream-method.decorator.js';

interface Registered {
  pattern: { service: string; rpc: string; streaming: string } | string;
  handler: MessageHandler;
  extras: Record<string, unknown>;
}

/** Minimal strategy: records what Nest registers, so handlers can be called directly. */
class RecordingServer extends Server implements CustomTransportStrategy {
  override transportId = TRIPLE_TRANSPORT;
  readonly registered: Registered[] = [];
  override addHandler(pattern: any, callback: MessageHandler, isEventHandler = false, extras: Record<string, any> = {}): void {
    this.registered.push({ pattern, handler: callback, extras });
    super.addHandler(pattern, callback, isEventHandler, extras);
  }
  listen(callback: () => void): void {
    callback();
  }
  close(): void {}
  on(): void {}
  unwrap<T>(): T {
    throw new Error('not supported');
  }
  find(service: string, rpc: string): Registered {
    const found = this.registered.find((r) => typeof r.pattern === 'object' && r.pattern.service === service && r.pattern.rpc === rpc);
    if (!found) throw new Error(`no handler ${service}/${rpc}; have ${JSON.stringify(this.registered.map((r) => r.pattern))}`);
    return found;
  }
}

function fakeContext(): TripleContext {
  const method = { service: 'test.v1.Demo', serviceShortName: 'Demo', name: 'Echo', path: '/test.v1.Demo/Echo', kind: 'unary' } as MethodDescriptor;
  const call: CallContext = {
    method, protocol: 'grpc', codec: 'proto', httpVersion: '2', requestMetadata: new Metadata({ 'x-user': 'ann' }),
    deadline: undefined, signal: new AbortController().signal, peer: '127.0.0.1:1234', serviceKey: {},
    responseHeader: new Metadata(), responseTrailer: new Metadata(), headersSent: false,
  };
  return new TripleContext(call);
}

/** Calls a registered handler the way the server does and settles what it returned. */
async function call(handler: MessageHandler, data: unknown, ctx: unknown): Promise<unknown> {
  const out: unknown = await handler(data, ctx);
  return isObservable(out) ? lastValueFrom(out as Observable<unknown>) : out;
}

const seenByGuard: unknown[] = [];

@Injectable()
class RecordingGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    seenByGuard.push(context.switchToRpc().getContext());
    return true;
  }
}

@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => ({ wrapped: value, type: context.getType() })));
  }
}

class UpperNamePipe implements PipeTransform {
  transform(value: unknown, _metadata: ArgumentMetadata): unknown {
    const name = (value as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? { ...(value as object), name: name.toUpperCase() } : value;
  }
}

@Controller()
class DemoController {
  @TripleMethod()
  echo(data: unknown, ctx: TripleContext): unknown {
    return { data, ctx };
  }

  @TripleMethod('Explicit', 'Swapped')
  swapped(@Ctx() ctx: TripleContext, @Payload() data: unknown): unknown {
    return { data, ctx };
  }

  @TripleMethod({ service: 'Explicit', rpc: 'OnlyName' })
  onlyName(@Payload('name') name: unknown, second?: unknown): unknown {
    return { name, second };
  }

  @TripleMethod('Explicit', 'Guarded')
  @UseGuards(RecordingGuard)
  @UseInterceptors(WrapInterceptor)
  @UsePipes(new UpperNamePipe())
  guarded(data: { name: string }, ctx: TripleContext): unknown {
    return { name: data.name, user: ctx.metadata.get('x-user') };
  }

  @TripleMethod('Explicit', 'Observable')
  observable(data: number): Observable<number> {
    return of(data + 1);
  }

  @TripleStreamMethod()
  chat(requests: unknown, ctx: TripleContext): unknown {
    return { requests, ctx };
  }

  @TripleMethod('Explicit', 'Routed', { group: 'g1', version: '2.0.0' })
  routed(): string {
    return 'routed';
  }

  @MessagePattern({ cmd: 'tcp-only' }, Transport.TCP)
  tcpOnly(): string {
    return 'tcp';
  }
}

@TripleService({ name: 'hero.v1.HeroService', group: 'blue', version: '1.0.0' })
class HeroController {
  @TripleMethod()
  findOne(data: unknown, ctx: TripleContext): unknown {
    return { data, ctx };
  }

  @TripleMethod({ group: 'green' })
  findGreen(): string {
    return 'green';
  }

  @TripleMethod('other.Service', 'Other')
  other(): string {
    return 'other';
  }

  @TripleStreamMethod()
  listen(requests: unknown): unknown {
    return requests;
  }
}

@Module({ controllers: [DemoController, HeroController], providers: [RecordingGuard, WrapInterceptor] })
class DemoModule {}

describe('TripleMethod / TripleStreamMethod / TripleService in a real Nest microservice', () => {
  const server = new RecordingServer();
  let app: INestMicroservice;

  before(async () => {
    app = await NestFactory.createMicroservice(DemoModule, { strategy: server, logger: false });
    await app.listen();
  });
  after(async () => {
    await app.close();
  });

  test('service/rpc default like @GrpcMethod: class name and capitalised method name', () => {
    const echo = server.find('DemoController', 'Echo');
    assert.deepEqual(echo.pattern, { service: 'DemoController', rpc: 'Echo', streaming: 'no_stream' });
    assert.deepEqual(server.find('DemoController', 'Chat').pattern, { service: 'DemoController', rpc: 'Chat', streaming: 'rx_stream' });
    assert.deepEqual(echo.extras, {});
  });

  test('handlers tagged with another transport are not bound to Triple', () => {
    assert.equal(server.registered.some((r) => JSON.stringify(r.pattern).includes('tcp-only')), false);
  });

  test('without parameter decorators the handler receives (data, ctx)', async () => {
    const ctx = fakeContext();
    const out = (await call(server.find('DemoController', 'Echo').handler, { a: 1 }, ctx)) as { data: unknown; ctx: unknown };
    assert.deepEqual(out.data, { a: 1 });
    assert.equal(out.ctx, ctx);
  });

  test('a stream method receives (stream, ctx) too', async () => {
    const ctx = fakeContext();
    const stream = of(1, 2);
    const out = (await call(server.find('DemoController', 'Chat').handler, stream, ctx)) as { requests: unknown; ctx: unknown };
    assert.equal(out.requests, stream);
    assert.equal(out.ctx, ctx);
  });

  test('user @Ctx()/@Payload() win over the defaults', async () => {
    const ctx = fakeContext();
    const out = (await call(server.find('Explicit', 'Swapped').handler, { a: 2 }, ctx)) as { data: unknown; ctx: unknown };
    assert.deepEqual(out.data, { a: 2 });
    assert.equal(out.ctx, ctx);
    const only = await call(server.find('Explicit', 'OnlyName').handler, { name: 'x' }, ctx);
    assert.deepEqual(only, { name: 'x', second: undefined });
  });

  test('guard sees the TripleContext, pipe transforms, interceptor wraps', async () => {
    const ctx = fakeContext();
    seenByGuard.length = 0;
    const out = await call(server.find('Explicit', 'Guarded').handler, { name: 'ann' }, ctx);
    assert.equal(seenByGuard[0], ctx);
    assert.deepEqual(out, { wrapped: { name: 'ANN', user: 'ann' }, type: 'rpc' });
  });

  test('Observable results are returned as Observables', async () => {
    assert.equal(await call(server.find('Explicit', 'Observable').handler, 41, fakeContext()), 42);
  });

  test('group/version go to the extras, not the pattern', () => {
    const routed = server.find('Explicit', 'Routed');
    assert.deepEqual(routed.pattern, { service: 'Explicit', rpc: 'Routed', streaming: 'no_stream' });
    assert.deepEqual(routed.extras, { group: 'g1', version: '2.0.0' });
  });

  test('@TripleService supplies name, group and version defaults; explicit values win', async () => {
    const findOne = server.find('hero.v1.HeroService', 'FindOne');
    assert.deepEqual(findOne.extras, { group: 'blue', version: '1.0.0' });
    assert.deepEqual(server.find('hero.v1.HeroService', 'FindGreen').extras, { group: 'green', version: '1.0.0' });
    assert.deepEqual(server.find('other.Service', 'Other').extras, { group: 'blue', version: '1.0.0' });
    assert.deepEqual(server.find('hero.v1.HeroService', 'Listen').pattern, { service: 'hero.v1.HeroService', rpc: 'Listen', streaming: 'rx_stream' });
    assert.equal(server.registered.some((r) => typeof r.pattern === 'object' && r.pattern.service === 'HeroController'), false);
    const ctx = fakeContext();
    const out = (await call(findOne.handler, 7, ctx)) as { data: unknown; ctx: unknown };
    assert.deepEqual([out.data, out.ctx], [7, ctx]);
  });
});
