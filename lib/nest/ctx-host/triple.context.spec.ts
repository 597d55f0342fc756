import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BaseRpcContext } from '@nestjs/microservices';
import type { CallContext } from '../../core/call-context.js';
import { Metadata } from '../../core/metadata.js';
import type { MethodDescriptor } from '../../core/method-descriptor.js';
import { TripleContext } from './triple.context.js';

function makeCall(overrides: Partial<{ -readonly [K in keyof CallContext]: CallContext[K] }> = {}): CallContext {
  const method = { service: 'hero.v1.HeroService', serviceShortName: 'HeroService', name: 'FindOne', path: '/hero.v1.HeroService/FindOne', kind: 'unary' } as MethodDescriptor;
  return {
    method, protocol: 'triple', codec: 'json', httpVersion: '1.1',
    requestMetadata: new Metadata({ 'x-trace': 't1', 'x-multi': ['a', 'b'], 'x-raw-bin': Buffer.from([1, 2]) }),
    deadline: 1_700_000_000_000, signal: new AbortController().signal, peer: '10.0.0.1:4000',
    serviceKey: { group: 'blue', version: '1.0.0' }, responseHeader: new Metadata(), responseTrailer: new Metadata(), headersSent: false,
    ...overrides,
  };
}

describe('TripleContext', () => {
  test('is a BaseRpcContext whose first arg is the CallContext', () => {
    const call = makeCall();
    const ctx = new TripleContext(call);
    assert.ok(ctx instanceof BaseRpcContext);
    assert.equal(ctx.getArgByIndex(0), call);
    assert.equal(ctx.getCallContext(), call);
  });

  test('exposes call facts', () => {
    const abort = new AbortController();
    const ctx = new TripleContext(makeCall({ signal: abort.signal }));
    assert.equal(ctx.metadata, ctx.getMetadata());
    assert.equal(ctx.metadata.get('x-trace'), 't1');
    assert.equal(ctx.signal, abort.signal);
    assert.deepEqual(ctx.deadline, new Date(1_700_000_000_000));
    assert.deepEqual(ctx.getDeadline(), new Date(1_700_000_000_000));
    assert.equal(ctx.peer, '10.0.0.1:4000');
    assert.equal(ctx.service, 'hero.v1.HeroService');
    assert.equal(ctx.method, 'FindOne');
    assert.equal(ctx.protocol, 'triple');
    assert.equal(ctx.group, 'blue');
    assert.equal(ctx.version, '1.0.0');
    assert.equal(ctx.httpVersion, '1.1');
    assert.equal(new TripleContext(makeCall({ deadline: undefined })).deadline, undefined);
  });

  test('packet metadata is a plain string record without -bin entries', () => {
    const ctx = new TripleContext(makeCall());
    assert.deepEqual(ctx.getPacketMetadata(), { 'x-trace': 't1', 'x-multi': 'a, b' });
  });

  test('headers and trailers go to the call until headers are sent', () => {
    const call = makeCall();
    const ctx = new TripleContext(call);
    assert.equal(ctx.setHeader('x-h', '1').setHeader('x-h', '2'), ctx);
    ctx.setTrailer('x-t-bin', Buffer.from([9]));
    assert.deepEqual(call.responseHeader.getAll('x-h'), ['2']);
    assert.deepEqual(call.responseTrailer.get('x-t-bin'), Buffer.from([9]));
    const sent = makeCall({ headersSent: true });
    const late = new TripleContext(sent);
    assert.throws(() => late.setHeader('x-h', '1'), /already sent.*setTrailer/);
    late.setTrailer('x-t', 'ok');
    assert.equal(sent.responseTrailer.get('x-t'), 'ok');
  });
});
