import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GuardedEchoController } from '../fixtures/guarded-echo.controller.js';
import { collect, createGrpcJsEchoClient, grpc, unary } from '../helpers/grpc-js-client.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

/** Guards, interceptors, pipes and exception filters on all four call kinds, seen by a grpc-js peer. */
describe('Nest enhancers on every call kind', () => {
  let server: RunningServer;
  let client: any;
  const authorized = (): grpc.Metadata => {
    const md = new grpc.Metadata();
    md.set('authorization', 'secret');
    return md;
  };

  before(async () => {
    server = await startEchoServer({}, [GuardedEchoController]);
    client = createGrpcJsEchoClient(server.address);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  function clientStream(md: grpc.Metadata, messages: string[]): Promise<any> {
    return new Promise((resolve, reject) => {
      const call = client.echoClientStream(md, (err: unknown, res: unknown) => (err ? reject(err) : resolve(res)));
      for (const message of messages) call.write({ message });
      call.end();
    });
  }

  function bidi(md: grpc.Metadata, messages: string[]): Promise<any[]> {
    const call = client.echoBidi(md);
    const all = collect(call);
    for (const message of messages) call.write({ message });
    call.end();
    return all;
  }

  test('guard: an UnauthorizedException becomes UNAUTHENTICATED on all four kinds', async () => {
    const none = new grpc.Metadata();
    const isUnauthenticated = (e: any) => e.code === grpc.status.UNAUTHENTICATED && /missing secret/.test(e.details);
    await assert.rejects(unary(client, 'echo', { message: 'x' }, none), isUnauthenticated);
    await assert.rejects(collect(client.echoServerStream({ message: 'x' }, none)), isUnauthenticated);
    await assert.rejects(clientStream(none, ['a']), isUnauthenticated);
    await assert.rejects(bidi(none, ['a']), isUnauthenticated);
  });

  test('interceptor and pipe run on all four kinds', async () => {
    const { response, headers } = await unary(client, 'echo', { message: 'quiet' }, authorized());
    assert.equal(response.message, 'QUIET', 'pipe upper-cased the request');
    assert.deepEqual(response.tags, ['intercepted']);
    assert.deepEqual(headers.get('x-intercepted'), ['rpc']);

    const stream = client.echoServerStream({ message: 'low' }, authorized());
    const streamHeaders = new Promise<grpc.Metadata>((resolve) => stream.on('metadata', resolve));
    const items = await collect(stream);
    assert.deepEqual(items.map((m: any) => m.message), ['LOW-0', 'LOW-1']);
    assert.ok(items.every((m: any) => m.tags.includes('intercepted')));
    assert.deepEqual((await streamHeaders).get('x-intercepted'), ['rpc']);

    const summary = await clientStream(authorized(), ['a', 'b']);
    assert.equal(summary.message, 'a+b');
    assert.deepEqual(summary.tags, ['intercepted']);

    const replies = await bidi(authorized(), ['x', 'y']);
    assert.deepEqual(replies.map((m: any) => m.message), ['bidi:x', 'bidi:y']);
    assert.ok(replies.every((m: any) => m.tags.includes('intercepted')));
  });

  test('exception filter translates a domain error on all four kinds', async () => {
    const isBusiness = (kind: string) => (e: any) => e.code === grpc.status.FAILED_PRECONDITION && e.details === `business rule: ${kind}`;
    await assert.rejects(unary(client, 'echo', { message: 'break' }, authorized()), isBusiness('unary'));
    await assert.rejects(collect(client.echoServerStream({ message: 'break' }, authorized())), isBusiness('server-stream'));
    await assert.rejects(clientStream(authorized(), ['a', 'break']), isBusiness('client-stream'));
    await assert.rejects(bidi(authorized(), ['a', 'break']), isBusiness('bidi'));
  });
});
