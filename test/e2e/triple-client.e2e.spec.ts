import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Inject, Injectable, Module, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { firstValueFrom, from, interval, lastValueFrom, map, Observable, take, toArray } from 'rxjs';
import {
  Code,
  Metadata,
  TripleClient,
  TripleClientsModule,
  TripleException,
  type TripleCallOptions,
  type TripleClientOptions,
} from '../../lib/index.js';
import { probe, type EchoMessage } from '../fixtures/echo.controller.js';
import { ECHO_PROTO, startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

/** The client-side view of echo.v1.EchoService, as an application would declare it. */
interface EchoServiceClient {
  echo(request: EchoMessage, options?: TripleCallOptions): Observable<EchoMessage>;
  echoServerStream(request: EchoMessage, options?: TripleCallOptions): Observable<EchoMessage>;
  echoClientStream(requests: Observable<EchoMessage> | AsyncIterable<EchoMessage> | EchoMessage[], options?: TripleCallOptions): Observable<EchoMessage>;
  EchoBidi(requests: Observable<EchoMessage> | AsyncIterable<EchoMessage> | EchoMessage[], options?: TripleCallOptions): Observable<EchoMessage>;
  fail(request: { code?: number; message?: string; withDetails?: boolean }, options?: TripleCallOptions): Observable<EchoMessage>;
  slow(request: { ms?: number }, options?: TripleCallOptions): Observable<EchoMessage>;
}

interface EchoServicePullClient {
  echo(request: EchoMessage, options?: TripleCallOptions): Promise<EchoMessage>;
  echoServerStream(request: EchoMessage, options?: TripleCallOptions): AsyncIterable<EchoMessage>;
}

const ECHO = 'ECHO';
const DEFAULT_TIMEOUT = 1000;

@Injectable()
class EchoCaller {
  readonly echo: EchoServiceClient;
  constructor(@Inject(ECHO) readonly client: TripleClient) {
    this.echo = client.getService<EchoServiceClient>('EchoService');
  }
}

async function bootClientApp(imports: NonNullable<Parameters<typeof Module>[0]>['imports'], providers: Type[] = []): Promise<INestApplicationContext> {
  @Module({ imports, providers })
  class ClientAppModule {}
  return NestFactory.createApplicationContext(ClientAppModule, { logger: ['error'] });
}

describe('TripleClient -> TripleServer (real sockets, Nest app context)', () => {
  let server: RunningServer;
  let app: INestApplicationContext;
  let client: TripleClient;
  let echo: EchoServiceClient;
  let clientOptions: TripleClientOptions;

  before(async () => {
    server = await startEchoServer();
    clientOptions = { url: server.address, protoPath: ECHO_PROTO, package: 'echo.v1', timeout: DEFAULT_TIMEOUT };
    app = await bootClientApp([TripleClientsModule.register([{ name: ECHO, options: clientOptions }])], [EchoCaller]);
    ({ client, echo } = app.get(EchoCaller));
  });
  after(async () => {
    await app?.close();
    await server?.close();
  });
  beforeEach(() => probe.reset());

  test('unary: request metadata reaches the handler; response header and trailer come back', async () => {
    const header: Metadata[] = [];
    const trailer: Metadata[] = [];
    const response = await firstValueFrom(
      echo.echo(
        { message: 'hi', count: 7, tags: ['a', 'b'] },
        {
          metadata: { 'x-custom': 'abc', 'x-echo-header': 'hello', 'x-echo-trailer-bin': Buffer.from([0, 1, 255]) },
          onHeader: (md) => header.push(md),
          onTrailer: (md) => trailer.push(md),
        },
      ),
    );
    assert.equal(response.message, 'hi');
    assert.equal(response.count, 7);
    assert.deepEqual(response.tags, ['a', 'b']);
    assert.equal(response.meta?.['x-custom'], 'abc');
    assert.match(response.peer ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(header[0]?.get('x-echo-header'), 'hello');
    assert.equal(trailer[0]?.get('x-served-by'), 'echo');
    assert.deepEqual(trailer[0]?.get('x-echo-trailer-bin'), Buffer.from([0, 1, 255]));
  });

  test('server streaming, as an Observable and pull-based', async () => {
    const all = await lastValueFrom(echo.echoServerStream({ message: 'obs', count: 5 }).pipe(toArray()));
    assert.deepEqual(all.map((m) => m.message), ['obs-0', 'obs-1', 'obs-2', 'obs-3', 'obs-4']);
    const pull = client.getService<EchoServicePullClient>('echo.v1.EchoService', { iterable: true });
    const pulled: string[] = [];
    for await (const m of pull.echoServerStream({ message: 'iterable', count: 4 })) pulled.push(m.message!);
    assert.deepEqual(pulled, ['iterable-0', 'iterable-1', 'iterable-2', 'iterable-3']);
    assert.equal((await pull.echo({ message: 'promise' })).message, 'promise');
  });

  test('client streaming from an Observable, an async generator and an array', async () => {
    const fromObservable = await firstValueFrom(echo.echoClientStream(from(['a', 'b', 'c', 'd'].map((message) => ({ message })))));
    assert.deepEqual([fromObservable.message, fromObservable.count], ['abcd', 4]);
    async function* generate() {
      for (const message of ['x', 'y']) yield { message };
    }
    assert.equal((await firstValueFrom(echo.echoClientStream(generate()))).message, 'xy');
    assert.equal((await firstValueFrom(echo.echoClientStream([{ message: 'z' }]))).count, 1);
  });

  test('bidi streaming in order, and an error mid-stream as a TripleException', async () => {
    const requests = Array.from({ length: 50 }, (_, i) => ({ message: `m${i}`, count: i }));
    const responses = await lastValueFrom(echo.EchoBidi(from(requests)).pipe(toArray()));
    assert.equal(responses.length, 50);
    assert.equal(responses[49]!.message, 'echo:m49');
    const received: EchoMessage[] = [];
    const error = await lastValueFrom(echo.EchoBidi(from([{ message: 'ok' }, { message: 'fail' }])).pipe(map((m) => received.push(m)))).catch((e: unknown) => e);
    assert.ok(error instanceof TripleException, String(error));
    assert.equal(error.code, Code.ABORTED);
    assert.equal(error.message, 'bidi asked to fail');
    assert.equal(received.length, 1);
  });

  test('errors carry code, message, details and metadata', async () => {
    const error = await firstValueFrom(echo.fail({ code: Code.NOT_FOUND, message: 'no such hero ☺ 100%', withDetails: true })).catch((e: unknown) => e);
    assert.ok(error instanceof TripleException);
    assert.equal(error.code, Code.NOT_FOUND);
    assert.equal(error.message, 'no such hero ☺ 100%');
    assert.equal(error.metadata.get('x-fail-reason'), 'asked');
    assert.equal(error.details.length, 1);
    assert.equal(error.details[0]!.typeUrl, 'type.googleapis.com/google.protobuf.StringValue');
    assert.deepEqual(Buffer.from(error.details[0]!.value), Buffer.from([10, 3, 97, 98, 99]));
  });

  test('the default timeout ends a call with DEADLINE_EXCEEDED and aborts the handler; timeout: Infinity opts out', async () => {
    const started = Date.now();
    const error = await firstValueFrom(echo.slow({ ms: 5000 })).catch((e: unknown) => e);
    assert.ok(error instanceof TripleException);
    assert.equal(error.code, Code.DEADLINE_EXCEEDED);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= DEFAULT_TIMEOUT - 50 && elapsed < DEFAULT_TIMEOUT + 1500, `took ${elapsed} ms`);
    await probe.waitFor(() => probe.events.includes('slow-aborted'));
    assert.equal(probe.events.includes('slow-done'), false);

    probe.reset();
    const slowButAllowed = await firstValueFrom(echo.slow({ ms: DEFAULT_TIMEOUT + 200 }, { timeout: Infinity }));
    assert.equal(slowButAllowed.message, 'slow done');
  });

  // `timeout: Infinity` so that only the unsubscribe can end these calls, not the default deadline.
  test('unsubscribing cancels: a unary handler is aborted, a server stream stops', async () => {
    const subscription = echo.slow({ ms: 5000 }, { timeout: Infinity }).subscribe();
    await probe.waitFor(() => probe.events.includes('slow-start'));
    subscription.unsubscribe();
    await probe.waitFor(() => probe.events.includes('slow-aborted'), 500);
    assert.deepEqual(probe.aborts.find((a) => a.method === 'Slow')?.code, Code.CANCELLED);

    probe.reset();
    const firstTwo = await lastValueFrom(echo.echoServerStream({ message: 's', count: 1000, delayMs: 10 }, { timeout: Infinity }).pipe(take(2), toArray()));
    assert.deepEqual(firstTwo.map((m) => m.message), ['s-0', 's-1']);
    await probe.waitFor(() => probe.events.includes('server-stream-finalize'), 500);
    await probe.waitFor(() => probe.aborts.some((a) => a.method === 'EchoServerStream' && a.code === Code.CANCELLED), 500);
  });

  test('unsubscribing a bidi call stops the handler and the request Observable', async () => {
    let requestTeardowns = 0;
    const requests = new Observable<EchoMessage>((subscriber) => {
      const inner = interval(5).pipe(map((i) => ({ message: `r${i}` }))).subscribe(subscriber);
      return () => {
        requestTeardowns++;
        inner.unsubscribe();
      };
    });
    const got = await lastValueFrom(echo.EchoBidi(requests, { timeout: Infinity }).pipe(take(3), toArray()));
    assert.deepEqual(got.map((m) => m.message), ['echo:r0', 'echo:r1', 'echo:r2']);
    await probe.waitFor(() => probe.events.includes('bidi-finalize'), 500);
    await probe.waitFor(() => requestTeardowns === 1, 500);
  });

  test('send({ service, rpc }, data) and emit() through the ClientProxy contract', async () => {
    const reply = await firstValueFrom(client.send<EchoMessage>({ service: 'EchoService', rpc: 'Echo' }, { message: 'sent' }));
    assert.equal(reply.message, 'sent');
    const stream = await lastValueFrom(client.send<EchoMessage>({ service: 'echo.v1.EchoService', rpc: 'echoBidi' }, from([{ message: 'a' }, { message: 'b' }])).pipe(toArray()));
    assert.deepEqual(stream.map((m) => m.message), ['echo:a', 'echo:b']);
    await assert.rejects(firstValueFrom(client.send({ service: 'EchoService', rpc: 'Fail' }, { code: Code.PERMISSION_DENIED })), (e: unknown) => e instanceof TripleException && e.code === Code.PERMISSION_DENIED);
    await lastValueFrom(client.emit({ service: 'EchoService', rpc: 'Echo' }, { message: 'event' }), { defaultValue: undefined });
    await probe.waitFor(() => probe.calls === 3); // Echo, EchoBidi, then the emitted Echo
  });

  test('all services share one connection', async () => {
    const fresh = await bootClientApp([TripleClientsModule.register([{ name: ECHO, options: clientOptions }])], [EchoCaller]);
    try {
      const caller = fresh.get(EchoCaller);
      await firstValueFrom(caller.echo.echo({ message: '1' }));
      // OtherService has no handler in the fixture: the call answers UNIMPLEMENTED, on the same connection.
      const other = caller.client.getService<{ ping(request?: object): Observable<object> }>('OtherService');
      await assert.rejects(firstValueFrom(other.ping()), (e: unknown) => e instanceof TripleException && e.code === Code.UNIMPLEMENTED);
      await firstValueFrom(caller.echo.echo({ message: '2' }));
      assert.equal(caller.client.unwrap().sessionCount, 1);
    } finally {
      await fresh.close();
    }
  });

  test("ClientsModule.register with customClass: TripleClient; connect(), status, and Nest 12's dispatch hook", async () => {
    const other = await bootClientApp([ClientsModule.register([{ name: ECHO, customClass: TripleClient, options: clientOptions }])], [EchoCaller]);
    try {
      const caller = other.get(EchoCaller);
      assert.ok(caller.client instanceof TripleClient);
      const statuses: string[] = [];
      caller.client.status.subscribe((s) => statuses.push(s));
      await caller.client.connect();
      assert.equal(statuses.at(-1), 'connected');
      const hookable = caller.client as unknown as { setOnDispatchHook?: (hook: (packet: { metadata?: Record<string, string> }) => void) => void };
      if (typeof hookable.setOnDispatchHook === 'function') {
        hookable.setOnDispatchHook((packet) => (packet.metadata = { 'x-trace-id': 'trace-1' }));
        const viaSend = await firstValueFrom(caller.client.send<EchoMessage>({ service: 'EchoService', rpc: 'Echo' }, {}));
        assert.equal(viaSend.meta?.['x-trace-id'], 'trace-1');
        const viaStub = await firstValueFrom(caller.echo.echo({}));
        assert.equal(viaStub.meta?.['x-trace-id'], 'trace-1');
      } else {
        assert.equal((await firstValueFrom(caller.echo.echo({ message: 'v11' }))).message, 'v11');
      }
    } finally {
      await other.close();
    }
  });

  test('registerAsync with useFactory + inject; app.close() closes the client', async () => {
    const SETTINGS = 'SETTINGS';
    const asyncApp = await bootClientApp(
      [
        TripleClientsModule.registerAsync([
          {
            name: ECHO,
            useFactory: (settings: { address: string }) => ({ ...clientOptions, url: settings.address }),
            inject: [SETTINGS],
            extraProviders: [{ provide: SETTINGS, useValue: { address: server.address } }],
          },
        ]),
      ],
      [EchoCaller],
    );
    const caller = asyncApp.get(EchoCaller);
    assert.equal((await firstValueFrom(caller.echo.echo({ message: 'async' }))).message, 'async');
    const statuses: string[] = [];
    caller.client.status.subscribe((s) => statuses.push(s));
    assert.equal(caller.client.unwrap().sessionCount, 1);
    await asyncApp.close();
    assert.equal(statuses.at(-1), 'closed');
    assert.equal(caller.client.unwrap().sessionCount, 0);
  });
});
