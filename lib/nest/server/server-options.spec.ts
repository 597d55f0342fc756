import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveServerOptions } from './server-options.js';

const base = { protoPath: 'x.proto' };

describe('resolveServerOptions: limits and defences', () => {
  test('documented defaults', () => {
    const { http } = resolveServerOptions(base);
    assert.equal(http.maxConcurrentStreams, 1000);
    assert.equal(http.maxHeaderListSize, 16 * 1024);
    assert.equal(http.initialWindowSize, 192 * 1024);
    assert.equal(http.connectionWindowSize, 1024 * 1024);
    assert.equal(http.maxConnections, 10_000);
    assert.equal(http.maxConnectionIdleMs, 300_000);
    assert.equal(http.handshakeTimeoutMs, 10_000);
    assert.deepEqual(http.keepalive, { timeMs: 7_200_000, timeoutMs: 20_000, minPingIntervalMs: 300_000, permitWithoutCalls: false, maxPingStrikes: 2 });
    assert.deepEqual(http.http1, { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 });
    assert.deepEqual(http.http2, {
      streamResetBurst: 200,
      streamResetRate: 33,
      maxSettingsFramesPerSecond: 50,
      maxSmallDataFramesPerSecond: 5_000,
      maxSessionInvalidFrames: 100,
      maxSessionRejectedStreams: 100,
      maxSessionMemoryMb: 64,
      maxHeaderListPairs: 1024,
    });
  });

  test('response chunk pool: 64 MiB kept for 30 s by default; both configurable', () => {
    const defaults = resolveServerOptions(base);
    assert.equal(defaults.responseChunkPoolBytes, 64 * 1024 * 1024);
    assert.equal(defaults.responseChunkPoolIdleMs, 30_000);
    const given = resolveServerOptions({ ...base, responseChunkPoolBytes: 0, responseChunkPoolIdleMs: 1000 });
    assert.equal(given.responseChunkPoolBytes, 0);
    assert.equal(given.responseChunkPoolIdleMs, 1000);
  });

  test('given values are kept', () => {
    const { http } = resolveServerOptions({
      ...base,
      maxConnections: 3,
      maxConnectionIdleMs: 0,
      initialWindowSize: 65_535,
      connectionWindowSize: 2 ** 31 - 1,
      keepalive: { minPingIntervalMs: 10, permitWithoutCalls: true, maxPingStrikes: 0 },
      http1: { headersTimeoutMs: 100, requestTimeoutMs: 100, keepAliveTimeoutMs: 0 },
      http2: { streamResetBurst: 5, streamResetRate: 0.5 },
    });
    assert.equal(http.maxConnections, 3);
    assert.equal(http.initialWindowSize, 65_535);
    assert.equal(http.connectionWindowSize, 2 ** 31 - 1);
    assert.equal(http.maxConnectionIdleMs, 0);
    assert.equal(http.keepalive.permitWithoutCalls, true);
    assert.equal(http.keepalive.maxPingStrikes, 0);
    assert.equal(http.http1.requestTimeoutMs, 100);
    assert.equal(http.http2.streamResetBurst, 5);
    assert.equal(http.http2.streamResetRate, 0.5);
  });

  test('invalid values are refused with the option name', () => {
    const cases: Array<[object, RegExp]> = [
      [{ maxConnections: 0 }, /maxConnections/],
      [{ maxConnections: 1.5 }, /maxConnections/],
      [{ maxConnectionIdleMs: -1 }, /maxConnectionIdleMs/],
      [{ handshakeTimeoutMs: 0 }, /handshakeTimeoutMs/],
      [{ maxConcurrentStreams: 0.5 }, /maxConcurrentStreams/],
      [{ initialWindowSize: 1000 }, /initialWindowSize/],
      [{ initialWindowSize: 2 ** 31 }, /initialWindowSize/],
      [{ connectionWindowSize: 1.5e6 + 0.5 }, /connectionWindowSize/],
      [{ keepalive: { minPingIntervalMs: -5 } }, /keepalive.minPingIntervalMs/],
      [{ keepalive: { maxPingStrikes: -1 } }, /keepalive.maxPingStrikes/],
      [{ http1: { headersTimeoutMs: NaN } }, /http1.headersTimeoutMs/],
      [{ http1: { headersTimeoutMs: 5000, requestTimeoutMs: 1000 } }, /headersTimeoutMs.*requestTimeoutMs/],
      [{ http2: { streamResetBurst: 0 } }, /http2.streamResetBurst/],
      [{ http2: { streamResetRate: 0 } }, /http2.streamResetRate/],
      [{ http2: { maxSettingsFramesPerSecond: Infinity } }, /http2.maxSettingsFramesPerSecond/],
      [{ http2: { maxSmallDataFramesPerSecond: 0 } }, /http2.maxSmallDataFramesPerSecond/],
      [{ http2: { maxSessionMemoryMb: 0 } }, /http2.maxSessionMemoryMb/],
      [{ http2: { maxHeaderListPairs: 2 } }, /http2.maxHeaderListPairs/],
      [{ responseChunkPoolIdleMs: 0 }, /responseChunkPoolIdleMs/],
      [{ responseChunkPoolBytes: -1 }, /responseChunkPoolBytes/],
    ];
    for (const [options, pattern] of cases) {
      assert.throws(() => resolveServerOptions({ ...base, ...options }), pattern, JSON.stringify(options));
    }
  });
});
