import 'reflect-metadata';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { FakeClientTransport, notFound } from '../../../test/helpers/fake-client-transport.js';
import type { ClientTransportOptions } from '../../core/client-options.js';
import { Code } from '../../core/code.js';
import type { TripleError } from '../../core/triple-error.js';
import { TripleException } from '../exceptions/triple.exception.js';
import type { TripleClientOptions } from '../interfaces/triple-client-options.interface.js';
import { TripleClient, type TripleClientStatus } from './triple-client.js';

const protoPath = join(process.cwd(), 'test/fixtures/proto/echo.proto');

function makeClient(options: Partial<TripleClientOptions> = {}) {
  const transport = new FakeClientTransport();
  const factoryArgs: ClientTransportOptions[] = [];
  const client = new TripleClient({ url: '127.0.0.1:1', protoPath, package: 'echo.v1', ...options }, (o) => {
    factoryArgs.push(o);
    return transport;
  });
  return { client, transport, factoryArgs };
}

describe('TripleClient', () => {
  test('passes transport options through, keeping the proto fields and the default timeout for itself', () => {
    const { factoryArgs } = makeClient({ timeout: 500, group: 'g', codec: 'json', maxBufferedRequests: 3 });
    assert.equal(factoryArgs.length, 1);
    const passed = factoryArgs[0] as Record<string, unknown>;
    assert.equal(passed.url, '127.0.0.1:1');
    assert.equal(passed.codec, 'json');
    assert.equal(passed.group, 'g');
    for (const own of ['protoPath', 'package', 'loader', 'timeout', 'maxBufferedRequests']) assert.equal(own in passed, false, own);
  });

  test('rejects invalid options at construction', () => {
    assert.throws(() => new TripleClient({} as TripleClientOptions, () => new FakeClientTransport()), /protoPath/);
    assert.throws(() => makeClient({ timeout: 0 }), /timeout/);
    assert.throws(() => makeClient({ maxBufferedRequests: 1.5 }), /maxBufferedRequests/);
    assert.throws(() => makeClient({ protoPath: '/nonexistent/x.proto' }));
  });

  test('getService: short or qualified name, cached per service and flavour; unknown names list the known services', () => {
    const { client } = makeClient();
    const stub = client.getService('EchoService');
    assert.equal(client.getService('echo.v1.EchoService'), stub);
    assert.equal(client.getClientByServiceName('EchoService'), stub);
    const iterable = client.getService('EchoService', { iterable: true });
    assert.notEqual(iterable, stub);
    assert.equal(client.getService('EchoService', { iterable: true }), iterable);
    assert.throws(() => client.getService('HeroService'), /no service "HeroService".*echo\.v1\.EchoService, echo\.v1\.OtherService/);
  });

  test('all services share the one transport; unwrap() returns it', async () => {
    const { client, transport } = makeClient({ timeout: 250 });
    assert.equal(client.unwrap(), transport);
    await firstValueFrom(client.getService<any>('EchoService').echo({ message: 'a' }));
    await firstValueFrom(client.getService<any>('OtherService').ping());
    assert.deepEqual(transport.calls.map((c) => c.method.path), ['/echo.v1.EchoService/Echo', '/echo.v1.OtherService/Ping']);
    assert.equal(transport.calls[0]!.options.timeoutMs, 250);
  });

  test('send({ service, rpc }, data): unary, server stream, client stream from an Observable or a single message', async () => {
    const { client, transport } = makeClient({ timeout: 1000 });
    assert.deepEqual(await firstValueFrom(client.send({ service: 'EchoService', rpc: 'Echo' }, { message: 'x' })), { message: 'x' });
    assert.deepEqual(await firstValueFrom(client.send({ service: 'echo.v1.EchoService', rpc: 'echo' }, { message: 'y' })), { message: 'y' });
    assert.deepEqual(await lastValueFrom(client.send({ service: 'EchoService', rpc: 'EchoServerStream' }, {}).pipe(toArray())), [{ n: 0 }, { n: 1 }, { n: 2 }]);
    assert.deepEqual(await firstValueFrom(client.send({ service: 'EchoService', rpc: 'echoClientStream' }, from([{ message: 'a' }, { message: 'b' }]))), [
      { message: 'a' },
      { message: 'b' },
    ]);
    assert.deepEqual(await firstValueFrom(client.send({ service: 'EchoService', rpc: 'echoClientStream' }, { message: 'one' })), [{ message: 'one' }]);
    assert.equal(transport.calls[0]!.options.timeoutMs, 1000);
    assert.equal(transport.connectCalls, 1, 'send connects once, then reuses the connection');
  });

  test('send: bad patterns fail the Observable with an Error naming what exists', async () => {
    const { client } = makeClient();
    await assert.rejects(firstValueFrom(client.send({ service: 'EchoService', rpc: 'Nope' }, {})), /no method "Nope".*Echo, EchoServerStream/);
    await assert.rejects(firstValueFrom(client.send({ service: 'Nope', rpc: 'Echo' }, {})), /known services/);
    await assert.rejects(firstValueFrom(client.send('echo', {})), /pattern must be \{ service, rpc \}/);
  });

  test('send: errors are TripleExceptions; unsubscribing cancels the call', async () => {
    const { client, transport } = makeClient();
    transport.single = async () => {
      throw notFound();
    };
    await assert.rejects(firstValueFrom(client.send({ service: 'EchoService', rpc: 'Echo' }, {})), (e: unknown) => e instanceof TripleException && e.code === Code.NOT_FOUND);
    transport.single = () => new Promise(() => undefined);
    const subscription = client.send({ service: 'EchoService', rpc: 'Echo' }, {}).subscribe();
    await new Promise((r) => setImmediate(r));
    const signal = transport.calls.at(-1)!.options.signal!;
    subscription.unsubscribe();
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as TripleError).code, Code.CANCELLED);
  });

  test("Nest 12's dispatch hook metadata becomes request headers, for send() and for stubs", async (t) => {
    const { client, transport } = makeClient();
    const hookable = client as unknown as { setOnDispatchHook?: (hook: (packet: { metadata?: Record<string, string> }) => void) => void };
    if (typeof hookable.setOnDispatchHook !== 'function') return t.skip('Nest 11 has no dispatch hook');
    let hookCalls = 0;
    hookable.setOnDispatchHook((packet) => {
      hookCalls++;
      packet.metadata = { traceparent: '00-abc-def-01', 'x-tenant': 'hook' };
    });
    await firstValueFrom(client.send({ service: 'EchoService', rpc: 'Echo' }, {}));
    assert.equal(hookCalls, 1, 'the hook runs once per send()');
    assert.equal(transport.calls[0]!.options.metadata?.get('traceparent'), '00-abc-def-01');
    await firstValueFrom(client.getService<any>('EchoService').echo({}, { metadata: { 'x-tenant': 'call' } }));
    assert.equal(hookCalls, 2);
    assert.equal(transport.calls[1]!.options.metadata?.get('traceparent'), '00-abc-def-01');
    assert.deepEqual(transport.calls[1]!.options.metadata?.getAll('x-tenant'), ['call'], 'per-call metadata wins over the hook');
  });

  test('emit runs the call, discards the result and logs failures', async () => {
    const { client, transport } = makeClient();
    const logged: string[] = [];
    (client as unknown as { logger: { error(m: string): void } }).logger = { error: (m: string) => logged.push(m) };
    const ok = await lastValueFrom(client.emit({ service: 'EchoService', rpc: 'Echo' }, { message: 'e' }), { defaultValue: 'none' });
    assert.equal(ok, undefined);
    assert.equal(transport.calls.length, 1);
    transport.single = async () => {
      throw notFound();
    };
    client.emit({ service: 'EchoService', rpc: 'Echo' }, {});
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /EchoService.*no such thing/);
  });

  test('status and on() follow the transport state; close() is idempotent', async () => {
    const { client, transport } = makeClient();
    const statuses: TripleClientStatus[] = [];
    client.status.subscribe((s) => statuses.push(s));
    const connected: number[] = [];
    client.on('connected', () => connected.push(1));
    assert.throws(() => client.on('exploded' as 'connected', () => undefined), /unknown event/);
    await client.connect();
    await client.connect();
    assert.equal(transport.connectCalls, 1);
    transport.emit('disconnected');
    transport.emit('connected');
    transport.emit('connected');
    await Promise.all([client.close(), client.close(), client.onApplicationShutdown()]);
    assert.equal(transport.closeCalls, 1);
    assert.deepEqual(statuses, ['connected', 'disconnected', 'connected', 'closed']);
    assert.equal(connected.length, 2);
  });
});
