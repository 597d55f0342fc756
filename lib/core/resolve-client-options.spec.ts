import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveClientOptions } from './resolve-client-options.js';

describe('resolveClientOptions', () => {
  test('documented defaults', () => {
    const o = resolveClientOptions();
    assert.equal(o.targets[0]!.authority, 'localhost:50051');
    assert.equal(o.protocol, 'grpc');
    assert.equal(o.httpVersion, '2');
    assert.equal(o.codec, 'proto');
    assert.equal(o.timeoutMs, undefined);
    assert.equal(o.compression, null);
    assert.equal(o.compressMinBytes, 1024);
    assert.equal(o.readMaxBytes, 4 * 1024 * 1024);
    assert.equal(o.loadBalancing, 'pick_first');
    assert.equal(o.retry.maxAttempts, 3);
    assert.deepEqual(o.keepalive, { timeMs: 300_000, timeoutMs: 20_000, idleTimeoutMs: 900_000, permitWithoutCalls: false });
    assert.equal(o.tls, undefined);
    assert.deepEqual(o.reconnectBackoff, { initialMs: 1000, multiplier: 1.6, jitter: 0.2, maxMs: 120_000 });
  });

  test('values pass through', () => {
    const o = resolveClientOptions({
      urls: ['127.0.0.1:1', 'dns:///localhost:2'], protocol: 'triple', httpVersion: '1.1', codec: 'json', timeout: 50,
      group: 'g', version: '1.0.0', compression: 'gzip', tls: true, reconnectBackoff: { initialMs: 10, maxMs: 20 },
    });
    assert.deepEqual(o.targets.map((t) => t.kind), ['ip', 'dns']);
    assert.equal(o.compression?.name, 'gzip');
    assert.deepEqual(o.tls, {});
    assert.deepEqual(o.serviceKey, { group: 'g', version: '1.0.0' });
    assert.equal(o.reconnectBackoff.initialMs, 10);
  });

  test('bad values throw a TypeError naming the option', () => {
    const cases: Array<[object, RegExp]> = [
      [{ url: 'nope' }, /url/],
      [{ url: 'a:1', urls: ['b:1'] }, /either url or urls/],
      [{ urls: [] }, /urls/],
      [{ protocol: 'http' }, /protocol/],
      [{ codec: 'xml' }, /codec/],
      [{ timeout: 0 }, /timeout/],
      [{ compression: 'br' }, /compression/],
      [{ maxReceiveMessageLength: -1 }, /maxReceiveMessageLength/],
      [{ keepalive: { timeoutMs: 0 } }, /keepalive.timeoutMs/],
      [{ loadBalancing: 'random' }, /loadBalancing/],
      [{ retry: { maxAttempts: 0 } }, /maxAttempts/],
      [{ reconnectBackoff: { multiplier: 0 } }, /reconnectBackoff.multiplier/],
      [{ group: 'é' }, /group/],
    ];
    for (const [options, message] of cases) assert.throws(() => resolveClientOptions(options as never), (e: Error) => e instanceof TypeError && message.test(e.message));
  });
});
