import assert from 'node:assert/strict';
import type { Server as NetServer } from 'node:net';
import { describe, test } from 'node:test';
import type { ClientConnectionState } from '../../lib/core/client-transport.js';
import { Code } from '../../lib/core/code.js';
import { TripleError } from '../../lib/core/triple-error.js';
import { createClientTransport } from '../../lib/nest/client/create-client-transport.js';
import type { EchoMessage } from '../fixtures/echo.controller.js';
import { echoMethod } from '../helpers/echo-methods.js';
import { startGrpcJsServer } from '../helpers/grpc-js-server.js';
import { startEchoServer } from '../helpers/start-echo-server.js';

const Echo = echoMethod('Echo');
const fastBackoff = { initialMs: 20, maxMs: 100, multiplier: 1.6, jitter: 0.2 };

async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A port that refuses connections: bound once, then released. */
async function deadAddress(): Promise<string> {
  const server = await startGrpcJsServer();
  await server.close();
  return server.address;
}

describe('client connections', () => {
  test('1,000 concurrent unary calls share one HTTP/2 session and one TCP connection', async () => {
    const server = await startEchoServer();
    let connections = 0;
    server.server.unwrap<NetServer>().on('connection', () => connections++);
    const client = createClientTransport({ url: server.address, timeout: 10_000 });
    try {
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.unary<EchoMessage, EchoMessage>(Echo, { message: `m${i}`, count: i })));
      assert.equal(results.length, 1000);
      assert.equal(results[999]!.message.message, 'm999');
      assert.equal(client.sessionCount, 1);
      assert.equal(connections, 1);
      const count = await new Promise<number>((resolve, reject) => server.server.unwrap<NetServer>().getConnections((e, n) => (e ? reject(e) : resolve(n))));
      assert.equal(count, 1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('a second session opens only when the peer stream limit is reached', async () => {
    const server = await startEchoServer({ maxConcurrentStreams: 10 });
    const client = createClientTransport({ url: server.address, timeout: 10_000 });
    try {
      await client.connect();
      const Slow = echoMethod('Slow');
      const calls = Array.from({ length: 15 }, () => client.unary(Slow, { ms: 200 }));
      await until(() => client.sessionCount === 2);
      await Promise.all(calls);
      assert.equal(client.sessionCount, 2);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('round_robin spreads 300 calls evenly over three servers', async () => {
    const servers = await Promise.all([startGrpcJsServer(), startGrpcJsServer(), startGrpcJsServer()]);
    const client = createClientTransport({ urls: servers.map((s) => s.address), loadBalancing: 'round_robin', timeout: 5000 });
    try {
      await client.connect();
      await client.unary(Echo, {}); // kicks the idle addresses
      await until(() => client.sessionCount === 3);
      const before = servers.map((s) => s.probe.calls);
      for (let i = 0; i < 30; i++) await Promise.all(Array.from({ length: 10 }, () => client.unary(Echo, { message: 'rr' })));
      const counts = servers.map((s, i) => s.probe.calls - before[i]!);
      assert.equal(counts.reduce((a, b) => a + b, 0), 300);
      for (const c of counts) assert.ok(c >= 90 && c <= 110, `uneven spread: ${counts.join(', ')}`);
    } finally {
      await client.close();
      await Promise.all(servers.map((s) => s.close()));
    }
  });

  test('pick_first fails over past a dead address; round_robin skips it', async () => {
    const dead = await deadAddress();
    const alive = await startGrpcJsServer();
    const first = createClientTransport({ urls: [dead, alive.address], timeout: 3000, reconnectBackoff: fastBackoff });
    const rr = createClientTransport({ urls: [dead, alive.address], loadBalancing: 'round_robin', timeout: 3000, reconnectBackoff: fastBackoff });
    try {
      for (let i = 0; i < 5; i++) assert.equal((await first.unary<EchoMessage, EchoMessage>(Echo, { message: 'pf' })).message.message, 'pf');
      for (let i = 0; i < 20; i++) assert.equal((await rr.unary<EchoMessage, EchoMessage>(Echo, { message: 'rr' })).message.message, 'rr');
      assert.equal(alive.probe.calls, 25);
    } finally {
      await first.close();
      await rr.close();
      await alive.close();
    }
  });

  test('no server: UNAVAILABLE fast without a deadline, connect() rejects, state goes connecting -> disconnected', async () => {
    const dead = await deadAddress();
    const client = createClientTransport({ url: dead, reconnectBackoff: fastBackoff, retry: { initialBackoffMs: 5, maxBackoffMs: 10 } });
    const states: ClientConnectionState[] = [];
    client.onStateChange((s) => states.push(s));
    try {
      const started = Date.now();
      const error = await client.unary(Echo, {}).catch((e: unknown) => e);
      assert.ok(error instanceof TripleError && error.code === Code.UNAVAILABLE, String(error));
      assert.match(error.rawMessage, /ECONNREFUSED/);
      assert.ok(Date.now() - started < 1000);
      await assert.rejects(client.connect(), (e: unknown) => e instanceof TripleError && e.code === Code.UNAVAILABLE);
      assert.equal(states[0], 'connecting');
      assert.ok(states.includes('disconnected'));
      // With a deadline the call waits for the address to come back, then gives up at the deadline.
      const waited = Date.now();
      await assert.rejects(client.unary(Echo, {}, { timeoutMs: 300 }), (e: unknown) => e instanceof TripleError && e.code === Code.DEADLINE_EXCEEDED);
      assert.ok(Date.now() - waited >= 250);
    } finally {
      await client.close();
    }
    assert.equal(states.at(-1), 'closed');
  });

  test('dns:/// targets resolve every address of the name', async () => {
    const server = await startGrpcJsServer();
    const client = createClientTransport({ url: `dns:///localhost:${server.port}`, loadBalancing: 'round_robin', timeout: 3000, reconnectBackoff: fastBackoff });
    try {
      // localhost may also resolve to ::1 where nothing listens: the balancer skips it.
      for (let i = 0; i < 5; i++) await client.unary(Echo, { message: 'dns' });
      assert.equal(server.probe.calls, 5);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('an idle session is closed after keepalive.idleTimeoutMs and reopened on demand', async () => {
    const server = await startGrpcJsServer();
    const client = createClientTransport({ url: server.address, keepalive: { idleTimeoutMs: 150 } });
    try {
      await client.unary(Echo, {});
      assert.equal(client.sessionCount, 1);
      await until(() => client.sessionCount === 0, 2000);
      await client.unary(Echo, {});
      assert.equal(client.sessionCount, 1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  test('calls spaced closer than keepalive.idleTimeoutMs keep the session open', async () => {
    const server = await startGrpcJsServer();
    const client = createClientTransport({ url: server.address, keepalive: { idleTimeoutMs: 300 } });
    const states: string[] = [];
    try {
      await client.unary(Echo, {});
      client.onStateChange((s) => states.push(s));
      // 1.2 s of calls 100 ms apart: four idle timeouts' worth, never idle for one.
      for (let i = 0; i < 12; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await client.unary(Echo, {});
        assert.equal(client.sessionCount, 1);
      }
      assert.deepEqual(states, [], 'the session never closed in between');
      await until(() => client.sessionCount === 0, 2000);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
