import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { firstValueFrom, from, interval, lastValueFrom, map, Observable, take, toArray } from 'rxjs';
import { collect, FakeClientTransport, notFound, scriptedStream } from '../../../test/helpers/fake-client-transport.js';
import { Code } from '../../core/code.js';
import { Metadata } from '../../core/metadata.js';
import type { MethodDescriptor } from '../../core/method-descriptor.js';
import { loadProtos } from '../../core/proto-loader.js';
import { TripleError } from '../../core/triple-error.js';
import { TripleException } from '../exceptions/triple.exception.js';
import { CallInvoker } from './call-invoker.js';
import type { CallDefaults } from './client-options.js';
import { buildServiceStub, lowerCamel, type ServiceStub } from './service-stub.js';

const protos = loadProtos({ protoPath: join(process.cwd(), 'test/fixtures/proto/echo.proto'), package: 'echo.v1' });
const echoService = protos.findService('EchoService')!;

function setup(defaults: Partial<CallDefaults> = {}, flavour: 'observable' | 'iterable' = 'observable', maxBufferedRequests = 16) {
  const transport = new FakeClientTransport();
  const invoker = new CallInvoker({ transport, defaults: { timeout: undefined, group: undefined, version: undefined, ...defaults }, maxBufferedRequests });
  const stub = buildServiceStub(echoService.methods, invoker, flavour) as Record<string, (...args: any[]) => any>;
  return { transport, stub };
}

describe('buildServiceStub', () => {
  test('exposes every method under its proto name and its lowerCamel name, as the same function', () => {
    const { stub } = setup();
    for (const method of echoService.methods) {
      assert.equal(typeof stub[method.name], 'function', method.name);
      assert.equal(stub[method.name], stub[lowerCamel(method.name)]);
    }
    assert.deepEqual(Object.keys(stub).sort(), [...echoService.methods.flatMap((m) => [m.name, lowerCamel(m.name)])].sort());
  });

  test('methods differing only in first-letter case keep their proto names', () => {
    const fake = (name: string): MethodDescriptor => ({ ...echoService.methods[0]!, name, path: `/x.S/${name}` });
    const transport = new FakeClientTransport();
    const invoker = new CallInvoker({ transport, defaults: { timeout: undefined, group: undefined, version: undefined }, maxBufferedRequests: 1 });
    const stub: ServiceStub = buildServiceStub([fake('Get'), fake('get')], invoker);
    stub.Get!({});
    assert.equal(transport.calls.length, 0, 'cold: nothing runs before subscribe');
    void firstValueFrom(stub.Get!({}) as Observable<unknown>);
    void firstValueFrom(stub.get!({}) as Observable<unknown>);
    assert.deepEqual(transport.calls.map((c) => c.method.path), ['/x.S/Get', '/x.S/get']);
  });

  test('unary: one call per subscription, defaults and per-call options reach the transport', async () => {
    const { transport, stub } = setup({ timeout: 5000, group: 'g1', version: '1.0' });
    const headers: Metadata[] = [];
    const trailers: Metadata[] = [];
    const call$ = stub.echo({ message: 'hi' }, {
      metadata: { 'x-a': 'b', 'x-bin': Buffer.from([1]) },
      version: '2.0',
      onHeader: (h: Metadata) => headers.push(h),
      onTrailer: (t: Metadata) => trailers.push(t),
    });
    assert.equal(transport.calls.length, 0);
    assert.deepEqual(await firstValueFrom(call$), { message: 'hi' });
    assert.deepEqual(await firstValueFrom(call$), { message: 'hi' });
    assert.equal(transport.calls.length, 2);
    const { options, method, kind } = transport.calls[0]!;
    assert.equal(kind, 'unary');
    assert.equal(method.path, '/echo.v1.EchoService/Echo');
    assert.equal(options.timeoutMs, 5000);
    assert.deepEqual(options.serviceKey, { group: 'g1', version: '2.0' });
    assert.equal(options.metadata?.get('x-a'), 'b');
    assert.deepEqual(options.metadata?.get('x-bin'), Buffer.from([1]));
    assert.ok(options.signal instanceof AbortSignal);
    assert.equal(headers[0]?.get('x-h'), 'h');
    assert.equal(trailers[0]?.get('x-t'), 't');
  });

  test('a bare Metadata as second argument, a missing request, and timeout: Infinity', async () => {
    const { transport, stub } = setup({ timeout: 100 });
    await firstValueFrom(stub.Echo(undefined, new Metadata({ 'x-k': 'v' })));
    assert.deepEqual(transport.calls[0]!.request, {});
    assert.equal(transport.calls[0]!.options.metadata?.get('x-k'), 'v');
    assert.equal(transport.calls[0]!.options.timeoutMs, 100);
    await firstValueFrom(stub.Echo({}, { timeout: Infinity }));
    assert.equal(transport.calls[1]!.options.timeoutMs, undefined);
  });

  test('invalid call options throw a TypeError at the call, before any subscription', () => {
    const { stub, transport } = setup();
    assert.throws(() => stub.echo({}, { timeout: -1 }), TypeError);
    assert.throws(() => stub.echo({}, { timeout: 'soon' }), TypeError);
    assert.throws(() => stub.echo({}, { metadata: { 'Bad Key': 'x' } }), TypeError);
    assert.throws(() => stub.echo({}, { signal: {} }), TypeError);
    assert.throws(() => stub.echo({}, { onHeader: 1 }), TypeError);
    assert.throws(() => stub.echoClientStream({ message: 'not a stream' }), /streams its requests/);
    assert.equal(transport.calls.length, 0);
  });

  test('errors arrive as TripleException with code, message and metadata', async () => {
    const { transport, stub } = setup();
    transport.single = async () => {
      throw notFound();
    };
    const error = await firstValueFrom(stub.echo({})).catch((e: unknown) => e);
    assert.ok(error instanceof TripleException);
    assert.equal(error.code, Code.NOT_FOUND);
    assert.equal(error.message, 'no such thing');
    assert.equal(error.metadata.get('x-reason'), 'gone');
    transport.single = async () => {
      throw new RangeError('bug');
    };
    const unknown = await firstValueFrom(stub.echo({})).catch((e: unknown) => e);
    assert.ok(unknown instanceof TripleException);
    assert.equal(unknown.code, Code.UNKNOWN);
  });

  test('unsubscribing a unary call aborts its signal with CANCELLED; completing does not', async () => {
    const { transport, stub } = setup();
    transport.single = () => new Promise(() => undefined);
    const subscription = stub.echo({}).subscribe();
    const signal = transport.calls[0]!.options.signal!;
    assert.equal(signal.aborted, false);
    subscription.unsubscribe();
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as TripleError).code, Code.CANCELLED);

    const done = setup();
    await firstValueFrom(done.stub.echo({}));
    assert.equal(done.transport.calls[0]!.options.signal!.aborted, false);
  });

  test("the caller's AbortSignal cancels the call, keeping its reason as the cause", async () => {
    const { transport, stub } = setup();
    transport.single = () => new Promise(() => undefined);
    const controller = new AbortController();
    const result = firstValueFrom(stub.echo({}, { signal: controller.signal })).catch((e: unknown) => e);
    controller.abort('user gave up');
    const error = (await result) as TripleException;
    assert.ok(error instanceof TripleException);
    assert.equal(error.code, Code.CANCELLED);
    assert.equal(((error.cause as TripleError).cause), 'user gave up');

    const aborted = new AbortController();
    aborted.abort();
    const early = await firstValueFrom(stub.echo({}, { signal: aborted.signal })).catch((e: unknown) => e);
    assert.equal((early as TripleException).code, Code.CANCELLED);
  });

  test('server stream: one pull per emission, take(n) cancels and returns the iterator', async () => {
    const { transport, stub } = setup();
    const streams: ReturnType<typeof scriptedStream>[] = [];
    transport.stream = (call) => {
      const s = scriptedStream(Array.from({ length: 100 }, (_, n) => ({ n })), call.options.signal);
      streams.push(s);
      return s;
    };
    const firstTwo = await lastValueFrom(stub.echoServerStream({ message: 'x' }).pipe(take(2), toArray()));
    assert.deepEqual(firstTwo, [{ n: 0 }, { n: 1 }]);
    assert.equal(streams[0]!.pulls, 2, 'nothing is read ahead of the subscriber');
    const signal = transport.calls[0]!.options.signal!;
    assert.equal(signal.aborted, true);
    await new Promise((r) => setImmediate(r));
    assert.equal(streams[0]!.returned, true);
  });

  test('server stream: header/trailer callbacks, completion, and a failing stream', async () => {
    const { transport, stub } = setup();
    const seen: string[] = [];
    const all = await lastValueFrom(
      stub.EchoServerStream({}, { onHeader: (h: Metadata) => seen.push(`h:${h.get('x-h')}`), onTrailer: (t: Metadata) => seen.push(`t:${t.get('x-t')}`) }).pipe(
        map((m: { n: number }) => (seen.push(`m${m.n}`), m.n)),
        toArray(),
      ),
    );
    assert.deepEqual(all, [0, 1, 2]);
    assert.deepEqual(seen, ['h:stream', 'm0', 'm1', 'm2', 't:stream']);
    assert.equal(transport.calls[0]!.options.signal!.aborted, false, 'a finished call is not cancelled');

    transport.stream = (call) => scriptedStream([{ n: 0 }], call.options.signal, new TripleError(Code.ABORTED, 'stop'));
    const received: unknown[] = [];
    const error = await lastValueFrom(stub.echoServerStream({}).pipe(map((m) => received.push(m)))).catch((e: unknown) => e);
    assert.equal(received.length, 1);
    assert.ok(error instanceof TripleException);
    assert.equal(error.code, Code.ABORTED);
  });

  test('client stream takes an Observable, an AsyncIterable or an array', async () => {
    const { transport, stub } = setup();
    assert.deepEqual(await firstValueFrom(stub.echoClientStream(from([{ message: 'a' }, { message: 'b' }]))), [{ message: 'a' }, { message: 'b' }]);
    async function* gen() {
      yield { message: 'c' };
    }
    assert.deepEqual(await firstValueFrom(stub.echoClientStream(gen())), [{ message: 'c' }]);
    assert.deepEqual(await firstValueFrom(stub.echoClientStream([{ message: 'd' }])), [{ message: 'd' }]);
    assert.deepEqual(transport.calls.map((c) => c.kind), ['clientStream', 'clientStream', 'clientStream']);
  });

  test('an Observable emitting past maxBufferedRequests fails the call with RESOURCE_EXHAUSTED', async () => {
    const { stub } = setup({}, 'observable', 2);
    const error = await firstValueFrom(stub.echoClientStream(from(Array.from({ length: 10 }, (_, i) => ({ count: i }))))).catch((e: unknown) => e);
    assert.ok(error instanceof TripleException);
    assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
  });

  test('bidi: responses stream, unsubscribing cancels and stops the request Observable', async () => {
    const { transport, stub } = setup();
    let requestSubscribed = 0;
    let requestUnsubscribed = 0;
    const requests = new Observable<{ count: number }>((subscriber) => {
      requestSubscribed++;
      const inner = interval(1).pipe(map((count) => ({ count }))).subscribe(subscriber);
      return () => {
        requestUnsubscribed++;
        inner.unsubscribe();
      };
    });
    transport.stream = (call) => {
      const iterator = (call.requests as AsyncIterable<{ count: number }>)[Symbol.asyncIterator]();
      const signal = call.options.signal!;
      return {
        header: Promise.resolve(new Metadata()),
        trailer: new Promise(() => undefined),
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            if (signal.aborted) throw signal.reason;
            const step = await iterator.next();
            return step.done ? step : { done: false, value: { echoed: step.value.count } };
          },
          return: async () => {
            await iterator.return?.();
            return { done: true, value: undefined };
          },
        }),
      };
    };
    const got = await lastValueFrom(stub.echoBidi(requests).pipe(take(3), toArray()));
    assert.deepEqual(got, [{ echoed: 0 }, { echoed: 1 }, { echoed: 2 }]);
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(requestSubscribed, 1);
    assert.equal(requestUnsubscribed, 1);
  });
});

describe('buildServiceStub, iterable flavour', () => {
  test('unary and client-stream return Promises; errors are TripleExceptions', async () => {
    const { transport, stub } = setup({}, 'iterable');
    const trailers: Metadata[] = [];
    assert.deepEqual(await stub.echo({ message: 'p' }, { onTrailer: (t: Metadata) => trailers.push(t) }), { message: 'p' });
    assert.equal(trailers.length, 1);
    assert.deepEqual(await stub.echoClientStream([{ message: 'q' }]), [{ message: 'q' }]);
    transport.single = async () => {
      throw notFound();
    };
    await assert.rejects(stub.echo({}), (e: unknown) => e instanceof TripleException && e.code === Code.NOT_FOUND);
  });

  test('server stream is a cold AsyncIterable; breaking out cancels the call', async () => {
    const { transport, stub } = setup({}, 'iterable');
    const iterable = stub.echoServerStream({});
    assert.equal(transport.calls.length, 0, 'nothing starts before iteration');
    assert.deepEqual(await collect(iterable), [{ n: 0 }, { n: 1 }, { n: 2 }]);
    assert.deepEqual(await collect(iterable), [{ n: 0 }, { n: 1 }, { n: 2 }]);
    assert.equal(transport.calls.length, 2);
    for await (const message of stub.echoServerStream({}) as AsyncIterable<{ n: number }>) {
      assert.equal(message.n, 0);
      break;
    }
    const signal = transport.calls[2]!.options.signal!;
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as TripleError).code, Code.CANCELLED);
  });

  test('a failing stream throws a TripleException from the loop', async () => {
    const { transport, stub } = setup({}, 'iterable');
    transport.stream = (call) => scriptedStream([], call.options.signal, new TripleError(Code.UNAVAILABLE, 'gone'));
    await assert.rejects(collect(stub.echoBidi([{}])), (e: unknown) => e instanceof TripleException && e.code === Code.UNAVAILABLE);
  });
});
