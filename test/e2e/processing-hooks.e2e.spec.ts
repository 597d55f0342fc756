import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { after, before, beforeEach, describe, test } from 'node:test';
import { TRIPLE_TRANSPORT, TripleContext } from '../../lib/index.js';
import { probe } from '../fixtures/echo.controller.js';
import { collect, createGrpcJsEchoClient, grpc, unary } from '../helpers/grpc-js-client.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

/**
 * Nest's processing hooks (`setOnProcessingStartHook` / `setOnProcessingEndHook`, the seam that
 * OpenTelemetry-style instrumentation uses) around every call kind, driven by a grpc-js client.
 */
interface HookEvent {
  kind: 'start' | 'end' | 'done-rejected';
  method: string;
  transportId: unknown;
}

const als = new AsyncLocalStorage<string>();

describe('processing hooks (Nest instrumentation seam)', () => {
  let server: RunningServer;
  let client: ReturnType<typeof createGrpcJsEchoClient>;
  const events: HookEvent[] = [];
  /** What the start hook does with done(): return it (Nest's default) or call it and return nothing. */
  let returnDone = true;

  const methodOf = (context: unknown): string => (context instanceof TripleContext ? context.method : `not a TripleContext: ${String(context)}`);
  const ends = (method: string): number => events.filter((e) => e.kind === 'end' && e.method === method).length;

  before(async () => {
    server = await startEchoServer();
    server.server.setOnProcessingStartHook((transportId, context, done) => {
      events.push({ kind: 'start', method: methodOf(context), transportId });
      return als.run(`span:${methodOf(context)}`, () => {
        const running = done().catch(() => events.push({ kind: 'done-rejected', method: methodOf(context), transportId }));
        return returnDone ? running : undefined;
      });
    });
    server.server.setOnProcessingEndHook((transportId, context) => events.push({ kind: 'end', method: methodOf(context), transportId }));
    client = createGrpcJsEchoClient(server.address);
  });
  after(async () => {
    client.close();
    await server.close();
  });
  beforeEach(() => {
    events.length = 0;
    returnDone = true;
    probe.reset();
  });

  test('unary: start with our transport id and the TripleContext, handler inside done(), end once', async () => {
    let store: string | undefined;
    probe.onWatch = () => (store = als.getStore());
    const { response } = await unary(client, 'echo', { message: 'hooked' });
    assert.equal(response.message, 'hooked');
    assert.equal(store, 'span:Echo', 'the handler runs inside the context the start hook set up');
    assert.deepEqual(events, [
      { kind: 'start', method: 'Echo', transportId: TRIPLE_TRANSPORT },
      { kind: 'end', method: 'Echo', transportId: TRIPLE_TRANSPORT },
    ]);
  });

  test('server stream: the end hook runs after the last message, not when the handler returns', async () => {
    const call = client.echoServerStream({ message: 's', count: 5, delayMs: 10 });
    let endsSeenAtFirstMessage = -1;
    call.once('data', () => (endsSeenAtFirstMessage = ends('EchoServerStream')));
    const items = await collect(call);
    assert.equal(items.length, 5);
    assert.equal(endsSeenAtFirstMessage, 0, 'still processing while messages flow');
    await waitFor(() => ends('EchoServerStream') === 1);
  });

  test('client stream and bidi: one start and one end each', async () => {
    await new Promise<void>((resolve, reject) => {
      const call = client.echoClientStream((err: unknown) => (err ? reject(err) : resolve()));
      call.write({ message: 'a' });
      call.write({ message: 'b' });
      call.end();
    });
    const bidi = client.echoBidi();
    const replies = collect(bidi);
    bidi.write({ message: 'x' });
    bidi.end();
    assert.equal((await replies).length, 1);
    await waitFor(() => ends('EchoClientStream') === 1 && ends('EchoBidi') === 1);
    assert.equal(events.filter((e) => e.kind === 'start').length, 2);
  });

  test('a failing handler: end runs once and the client gets the status', async () => {
    await assert.rejects(unary(client, 'fail', { code: 9, message: 'nope' }), (e: grpc.ServiceError) => e.code === 9);
    await waitFor(() => ends('Fail') === 1);
    await new Promise((r) => setTimeout(r, 20));
    // Nest's pipeline turns the throw into an erroring Observable (its filters ran), so like in
    // Nest's own transports done() resolves and the error reaches the end of the output instead.
    assert.deepEqual(events.map((e) => e.kind), ['start', 'end']);
  });

  test('a cancelled call ends its processing once (abort), and a late completion does not end it again', async () => {
    const call = client.slow({ ms: 5_000 }, () => undefined);
    await probe.waitFor(() => probe.events.includes('slow-start'));
    call.cancel();
    await waitFor(() => ends('Slow') === 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ends('Slow'), 1);
  });

  test('a start hook that does not return done()\'s promise still gets the answer through', async () => {
    returnDone = false;
    const { response } = await unary(client, 'echo', { message: 'detached' });
    assert.equal(response.message, 'detached');
    await waitFor(() => ends('Echo') === 1);
  });
});

async function waitFor(predicate: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
