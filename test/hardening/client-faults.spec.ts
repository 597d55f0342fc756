import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Code } from '../../lib/core/code.js';
import type { ClientTransport } from '../../lib/core/client-transport.js';
import { TripleError } from '../../lib/core/triple-error.js';
import { createClientTransport } from '../../lib/nest/client/create-client-transport.js';
import { echoMethod } from '../helpers/echo-methods.js';

/**
 * Client faults against a server in another process: killed mid-stream, restarted, frozen
 * (SIGSTOP) and resumed, a port that refuses. Every call ends with a status within its deadline
 * (plus scheduling slack), no promise rejection goes unhandled, and after close() the client
 * holds no sockets or timers.
 */

const SERVER_SCRIPT = new URL('./fixtures/echo-server-process.js', import.meta.url);
const SLACK_MS = 700;
const fastBackoff = { initialMs: 20, maxMs: 200, multiplier: 1.6, jitter: 0.2 };

interface ServerProcess {
  child: ChildProcess;
  address: string;
  port: number;
}

function spawnServer(port = 0): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_SCRIPT.pathname, String(port)], { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server process did not start: ${out}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /READY (\S+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, address: `${m[1]}:${m[2]}`, port: Number(m[2]) });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => reject(new Error(`server process exited ${code}: ${out}`)));
  });
}

function stop(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGCONT');
    server.child.kill('SIGKILL');
  });
}

/** Runs `call`, returning its status code and how long it took. */
async function timed(call: () => Promise<unknown>): Promise<{ code: Code; ms: number; error?: unknown }> {
  const start = performance.now();
  try {
    await call();
    return { code: Code.OK, ms: performance.now() - start };
  } catch (e) {
    const ms = performance.now() - start;
    if (!(e instanceof TripleError)) return { code: -1 as Code, ms, error: e };
    return { code: e.code, ms };
  }
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const m of stream) void m;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sockets and timers this process holds (what would keep it alive). */
function liveHandles(): number {
  return process.getActiveResourcesInfo().filter((t) => t === 'TCPSocketWrap' || t === 'Timeout' || t === 'TLSWrap').length;
}

describe('client faults: the server dies, freezes, restarts or refuses', { timeout: 120_000 }, () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  test('killed mid-stream (SIGKILL): every call ends with a status in time; after a restart calls succeed', async () => {
    let server: ServerProcess | undefined = await spawnServer();
    const handlesBefore = liveHandles();
    const client: ClientTransport = createClientTransport({ url: server.address, reconnectBackoff: fastBackoff });
    try {
      const stream = client.serverStream(echoMethod('EchoServerStream'), { message: 's', count: 10_000, delayMs: 10 }, { timeoutMs: 5000 });
      const bidiRequests = (async function* () {
        for (let i = 0; i < 10_000; i++) {
          yield { message: `b${i}` };
          await sleep(10);
        }
      })();
      const bidi = client.bidiStream(echoMethod('EchoBidi'), bidiRequests, { timeoutMs: 5000 });
      let received = 0;
      const streamDone = timed(async () => {
        for await (const m of stream) {
          void m;
          received++;
        }
      });
      const bidiDone = timed(() => drain(bidi));
      const unaryDone = timed(() => client.unary(echoMethod('Slow'), { ms: 3000 }, { timeoutMs: 5000 }));
      while (received < 5) await sleep(10);
      server.child.kill('SIGKILL');
      const results = await Promise.all([streamDone, bidiDone, unaryDone]);
      for (const r of results) {
        assert.ok(r.code === Code.UNAVAILABLE || r.code === Code.CANCELLED || r.code === Code.INTERNAL, `status ${r.code} ${String(r.error ?? '')}`);
        assert.ok(r.ms < 5000 + SLACK_MS, `ended after ${Math.round(r.ms)} ms`);
      }
      // Restart on the same port: the client reconnects by itself.
      server = await spawnServer(server.port);
      const ok = await timed(() => client.unary(echoMethod('Echo'), { message: 'back' }, { timeoutMs: 3000 }));
      assert.equal(ok.code, Code.OK);
    } finally {
      await client.close();
      await stop(server);
    }
    await sleep(50);
    assert.ok(liveHandles() <= handlesBefore, `handles before ${handlesBefore}, after close ${liveHandles()}: ${process.getActiveResourcesInfo().join(',')}`);
  });

  test('frozen (SIGSTOP): calls end DEADLINE_EXCEEDED at their deadline; after SIGCONT calls succeed', async () => {
    const server = await spawnServer();
    const client = createClientTransport({ url: server.address, reconnectBackoff: fastBackoff });
    try {
      assert.equal((await timed(() => client.unary(echoMethod('Echo'), { message: 'warm' }, { timeoutMs: 3000 }))).code, Code.OK);
      server.child.kill('SIGSTOP');
      await sleep(50);
      const results = await Promise.all([
        timed(() => client.unary(echoMethod('Echo'), { message: 'x' }, { timeoutMs: 500 })),
        timed(() => drain(client.serverStream(echoMethod('EchoServerStream'), { message: 's', count: 3 }, { timeoutMs: 700 }))),
        timed(() => client.clientStream(echoMethod('EchoClientStream'), (async function* () { yield { message: 'a' }; })(), { timeoutMs: 600 })),
      ]);
      const deadlines = [500, 700, 600];
      results.forEach((r, i) => {
        assert.equal(r.code, Code.DEADLINE_EXCEEDED, `call ${i}: ${r.code} ${String(r.error ?? '')}`);
        assert.ok(r.ms >= deadlines[i]! - 50 && r.ms < deadlines[i]! + SLACK_MS, `call ${i} ended after ${Math.round(r.ms)} ms`);
      });
      server.child.kill('SIGCONT');
      const ok = await timed(() => client.unary(echoMethod('Echo'), { message: 'thawed' }, { timeoutMs: 3000 }));
      assert.equal(ok.code, Code.OK);
    } finally {
      await client.close();
      await stop(server);
    }
  });

  test('a port that refuses: calls end UNAVAILABLE (or DEADLINE_EXCEEDED while reconnecting) within the deadline', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const client = createClientTransport({ url: `127.0.0.1:${port}`, reconnectBackoff: fastBackoff });
    try {
      const results = await Promise.all(
        [300, 800, 1500].map((timeoutMs) => timed(() => client.unary(echoMethod('Echo'), { message: 'x' }, { timeoutMs })).then((r) => ({ ...r, timeoutMs }))),
      );
      for (const r of results) {
        assert.ok(r.code === Code.UNAVAILABLE || r.code === Code.DEADLINE_EXCEEDED, `status ${r.code} ${String(r.error ?? '')}`);
        assert.ok(r.ms < r.timeoutMs + SLACK_MS, `ended after ${Math.round(r.ms)} ms (deadline ${r.timeoutMs})`);
      }
    } finally {
      await client.close();
    }
  });

  test('no unhandled rejections in any of the above', async () => {
    await sleep(100);
    assert.deepEqual(unhandled.map(String), []);
  });
});
