import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metadata } from '../../core/metadata.js';
import { tripleRequestHeaders, type TripleRequestHeaderInput } from './request-header.js';
import { readTripleTimeout } from './timeout.js';

const base: TripleRequestHeaderInput = {
  codec: 'json',
  timeoutMs: undefined,
  encoding: undefined,
  acceptEncoding: 'gzip',
  userAgent: 'nestjs-triple/test',
  serviceKey: {},
  metadata: undefined,
};

describe('tripleRequestHeaders', () => {
  test('the deadline goes out as tri-service-timeout (Java, dubbo-js) and triple-timeout-ms (dubbo-go), rounded up', () => {
    const headers = tripleRequestHeaders({ ...base, timeoutMs: 99.2 });
    assert.equal(headers['tri-service-timeout'], '100');
    assert.equal(headers['triple-timeout-ms'], '100');
    assert.deepEqual(readTripleTimeout(headers as Record<string, string>), { timeoutMs: 100 }, 'our own server reads it back');
  });

  test('no deadline, no timeout header; an expired one is 0; a huge one is capped at 10 digits', () => {
    const none = tripleRequestHeaders(base);
    assert.equal(none['tri-service-timeout'], undefined);
    assert.equal(none['triple-timeout-ms'], undefined);
    assert.equal(tripleRequestHeaders({ ...base, timeoutMs: -5 })['triple-timeout-ms'], '0');
    assert.equal(tripleRequestHeaders({ ...base, timeoutMs: 1e15 })['tri-service-timeout'], '9999999999');
  });

  test('user metadata cannot override protocol or timeout headers', () => {
    const metadata = new Metadata({ 'triple-timeout-ms': '1', 'tri-service-timeout': '1', 'content-type': 'text/plain', 'x-user': 'u' });
    const headers = tripleRequestHeaders({ ...base, timeoutMs: 500, metadata, serviceKey: { group: 'g', version: '1.0' } });
    assert.equal(headers['triple-timeout-ms'], '500');
    assert.equal(headers['tri-service-timeout'], '500');
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['x-user'], 'u');
    assert.equal(headers['tri-service-group'], 'g');
    assert.equal(headers['tri-service-version'], '1.0');
  });
});
