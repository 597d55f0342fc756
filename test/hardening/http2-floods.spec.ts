import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';
import { runAttackInWorker, type AttackName, type AttackOptions, type AttackResult } from './helpers/attacks.js';
import { retainedMb } from './helpers/gc.js';
import { H2Error } from './helpers/h2-frames.js';
import { measureLatency, type LatencyReport } from './helpers/latency-probe.js';

/**
 * HTTP/2 floods against a real server while a well-behaved client keeps calling beside them.
 * For each attack: the attacker's connection ends the stated way, the good client sees no error
 * and a p99 within a generous multiple of its own baseline (taken in the same run: other suites
 * share this 2-core machine), and the memory the server retains stays under a stated bound.
 */

/** p99 during an attack may grow to this multiple of the baseline p99, or this floor (other suites share the 2 cores), whichever is larger. */
const P99_FACTOR = 10;
const P99_FLOOR_MS = 2000;
/** Heap + buffers the server may still retain after an attack (GC'd), over its retained size before. */
const RETAINED_BOUND_MB = 32;

interface Outcome {
  attack: AttackResult;
  during: LatencyReport;
  retainedGrowthMb: number;
}

describe('HTTP/2 floods: the server keeps serving, closes the attacker with the right code', { timeout: 90_000 }, () => {
  let server: RunningServer;
  let baseline: LatencyReport;
  const report: Record<string, unknown> = {};

  before(async () => {
    server = await startEchoServer({ maxBufferedBytes: 1024 * 1024 });
    await measureLatency(server.address, 300); // warm-up
    baseline = await measureLatency(server.address, 1000);
    assert.equal(baseline.errors, 0);
  });
  after(async () => {
    // Visible with --test-reporter=spec; the numbers quoted in docs/limits-and-defences.md.
    console.log(JSON.stringify({ baseline: { p50: baseline.p50, p99: baseline.p99 }, ...report }));
    await server.close();
  });

  async function underAttack(name: AttackName, options: AttackOptions): Promise<Outcome> {
    const before = await retainedMb();
    const attack = runAttackInWorker(server.address, name, options);
    // The good client measures for as long as the attack runs (at least 500 ms).
    const [result, during] = await Promise.all([attack, measureLatency(server.address, 500, attack)]);
    const retainedGrowthMb = Math.round(((await retainedMb()) - before) * 10) / 10;
    report[name] = { p50: during.p50, p99: during.p99, max: during.max, calls: during.count, retainedGrowthMb, connections: result.connections.length, elapsedMs: result.elapsedMs };
    return { attack: result, during, retainedGrowthMb };
  }

  function assertServed(outcome: Outcome): void {
    const { during } = outcome;
    assert.equal(during.errors, 0, `the good client failed during the attack: ${during.errorSamples.join('; ')}`);
    assert.ok(during.count > 20, `the good client completed only ${during.count} calls`);
    const bound = Math.max(baseline.p99 * P99_FACTOR, P99_FLOOR_MS);
    assert.ok(during.p99 <= bound, `p99 ${during.p99} ms during the attack exceeds ${bound} ms (baseline p99 ${baseline.p99} ms)`);
    assert.ok(outcome.retainedGrowthMb < RETAINED_BOUND_MB, `server retains ${outcome.retainedGrowthMb} MiB more after the attack`);
  }

  function assertCalmed(attack: AttackResult, debug: string): void {
    assert.ok(attack.connections.length >= 1);
    for (const c of attack.connections) {
      assert.ok(c.goaway, `connection after ${c.sent} units got no GOAWAY`);
      assert.equal(c.goaway.code, H2Error.ENHANCE_YOUR_CALM, `GOAWAY ${JSON.stringify(c.goaway)}`);
      assert.equal(c.goaway.debug, debug);
      assert.ok(c.closedAfterMs !== undefined, 'the attacker connection was closed');
    }
  }

  test('rapid reset (CVE-2023-44487): HEADERS + RST_STREAM in a loop, reconnecting', async () => {
    const outcome = await underAttack('rapid-reset', { durationMs: 2000, count: 100_000, reconnect: true });
    assertCalmed(outcome.attack, 'too_many_resets');
    // The default burst is 200: far fewer than nghttp2's own limit (1000, answered INTERNAL_ERROR).
    for (const c of outcome.attack.connections) assert.ok(c.goaway!.lastStreamId < 2 * 1000, `lastStreamId ${c.goaway!.lastStreamId}`);
    assertServed(outcome);
  });

  test('PING flood: GOAWAY ENHANCE_YOUR_CALM "too_many_pings" after maxPingStrikes', async () => {
    const outcome = await underAttack('ping-flood', { durationMs: 1500, count: 100_000, reconnect: true });
    assertCalmed(outcome.attack, 'too_many_pings');
    assertServed(outcome);
  });

  test('SETTINGS flood: GOAWAY ENHANCE_YOUR_CALM "too_many_settings"', async () => {
    const outcome = await underAttack('settings-flood', { durationMs: 1500, count: 100_000, reconnect: true });
    assertCalmed(outcome.attack, 'too_many_settings');
    assertServed(outcome);
  });

  test('empty DATA frames: node counts them as invalid frames and drops the session', async () => {
    const outcome = await underAttack('empty-data', { durationMs: 1500, count: 100_000, reconnect: true });
    for (const c of outcome.attack.connections) {
      // node:http2 destroys the session past maxSessionInvalidFrames (default 100) with GOAWAY
      // INTERNAL_ERROR and closes the socket at once, so the GOAWAY may be lost to the TCP reset.
      if (c.goaway) assert.equal(c.goaway.code, H2Error.INTERNAL_ERROR, JSON.stringify(c.goaway));
      assert.ok(c.closedAfterMs !== undefined && c.closedAfterMs < 1000, `closed after ${c.closedAfterMs} ms`);
    }
    assertServed(outcome);
  });

  test('a million 1-byte DATA frames: GOAWAY ENHANCE_YOUR_CALM "too_many_small_frames"', async () => {
    const outcome = await underAttack('tiny-data', { durationMs: 10_000, count: 1_000_000 });
    assertCalmed(outcome.attack, 'too_many_small_frames');
    // The bucket holds 5_000 small frames: the attacker got nowhere near its million.
    const [c] = outcome.attack.connections;
    assert.ok(c!.sent === 1_000_000 || c!.closedAfterMs! < 5000, `closed after ${c!.closedAfterMs} ms`);
    assertServed(outcome);
  });

  test('a message in 64-byte DATA frames is not a flood: served in full', async () => {
    // 2 MB in 64-byte frames (~33k frames): at the edge of "small", never counted as such.
    const outcome = await underAttack('fragmented-data', { durationMs: 20_000, count: 2_000_000, size: 64 });
    const [c] = outcome.attack.connections;
    assert.equal(c!.goaway, undefined);
    assert.equal(c!.streamsEnded, 1, 'the call got its status');
    assert.ok(c!.dataBytesReceived > 5, 'and its response message');
    assertServed(outcome);
  });

  test('header blocks near the limit, many at once: served or refused per stream, never the process', async () => {
    // 60 KB header blocks (over maxMetadataSize): each stream is answered RESOURCE_EXHAUSTED, and
    // node refuses streams (RST ENHANCE_YOUR_CALM) once the session's header memory is exhausted.
    const outcome = await underAttack('big-headers', { durationMs: 2000, count: 400, size: 60_000 });
    const [c] = outcome.attack.connections;
    for (const code of Object.values(c!.resets)) assert.equal(code, H2Error.ENHANCE_YOUR_CALM);
    assertServed(outcome);
  });
});
