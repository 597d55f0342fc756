import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metadata } from '../../core/metadata.js';
import { mergePacketMetadata, prepareCallOptions } from './call-options.js';
import { DEFAULT_MAX_BUFFERED_REQUESTS, resolveTripleClientOptions, type CallDefaults } from './client-options.js';

const defaults: CallDefaults = { timeout: 3000, group: 'g', version: '1.0.0' };

describe('prepareCallOptions', () => {
  test('falls back to the client defaults and overrides them field by field', () => {
    assert.deepEqual(prepareCallOptions(undefined, defaults), {
      metadata: undefined,
      timeoutMs: 3000,
      serviceKey: { group: 'g', version: '1.0.0' },
      signal: undefined,
      onHeader: undefined,
      onTrailer: undefined,
    });
    const prepared = prepareCallOptions({ timeout: 10, version: '2.0.0' }, defaults);
    assert.equal(prepared.timeoutMs, 10);
    assert.deepEqual(prepared.serviceKey, { group: 'g', version: '2.0.0' });
    assert.deepEqual(prepareCallOptions({ group: '' }, defaults).serviceKey, { version: '1.0.0' }, "'' clears a default");
    assert.equal(prepareCallOptions({ timeout: Infinity }, defaults).timeoutMs, undefined);
  });

  test('accepts Metadata, plain objects and a bare Metadata; rejects bad values', () => {
    const md = new Metadata({ a: '1' });
    assert.equal(prepareCallOptions({ metadata: md }, defaults).metadata, md);
    assert.equal(prepareCallOptions(md, defaults).metadata, md);
    assert.deepEqual(prepareCallOptions({ metadata: { a: ['1', '2'] } }, defaults).metadata?.getAll('a'), ['1', '2']);
    assert.throws(() => prepareCallOptions({ metadata: { 'a-bin': 'text' } }, defaults), TypeError);
    assert.throws(() => prepareCallOptions({ timeout: NaN }, defaults), /timeout/);
    assert.throws(() => prepareCallOptions({ group: 'caf\u00e9' }, defaults), /group/);
    assert.throws(() => prepareCallOptions('fast' as never, defaults), /must be an object/);
  });
});

describe('mergePacketMetadata', () => {
  test('packet metadata first, the call’s own keys replace it; inputs untouched', () => {
    const own = new Metadata({ 'x-tenant': 'call', extra: ['1', '2'] });
    const merged = mergePacketMetadata({ traceparent: 't', 'X-Tenant': 'hook' }, own)!;
    assert.deepEqual(merged.toJSON(), { traceparent: 't', 'x-tenant': 'call', extra: ['1', '2'] });
    assert.deepEqual(own.toJSON(), { 'x-tenant': 'call', extra: ['1', '2'] });
    assert.equal(mergePacketMetadata(undefined, own), own);
    assert.equal(mergePacketMetadata({}, undefined), undefined);
  });
});

describe('resolveTripleClientOptions', () => {
  test('splits proto and call-default fields from the transport options', () => {
    const resolved = resolveTripleClientOptions({ url: 'h:1', protoPath: 'a.proto', package: 'p', timeout: 5, group: 'g', codec: 'json' });
    assert.deepEqual(resolved.transport, { url: 'h:1', group: 'g', codec: 'json' });
    assert.deepEqual(resolved.protos, { protoPath: 'a.proto', package: 'p', loader: undefined });
    assert.deepEqual(resolved.defaults, { timeout: 5, group: 'g', version: undefined });
    assert.equal(resolved.maxBufferedRequests, DEFAULT_MAX_BUFFERED_REQUESTS);
  });

  test('names the offending option', () => {
    assert.throws(() => resolveTripleClientOptions(undefined as never), /options must be an object/);
    assert.throws(() => resolveTripleClientOptions({ protoPath: [] }), /protoPath/);
    assert.throws(() => resolveTripleClientOptions({ protoPath: 'a.proto', package: 3 as never }), /package/);
    assert.throws(() => resolveTripleClientOptions({ protoPath: 'a.proto', timeout: -1 }), /timeout/);
    assert.throws(() => resolveTripleClientOptions({ protoPath: 'a.proto', maxBufferedRequests: -1 }), /maxBufferedRequests/);
  });
});
