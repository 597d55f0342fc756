import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BaseRpcExceptionFilter, RpcException } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import { Code } from '../../core/code.js';
import { Metadata } from '../../core/metadata.js';
import { TripleError } from '../../core/triple-error.js';
import { TripleException } from './triple.exception.js';

const details = [{ typeUrl: 'type.googleapis.com/google.rpc.BadRequest', value: new Uint8Array([1, 2]) }];

describe('TripleException', () => {
  test('is an RpcException carrying code, message, details and metadata', () => {
    const e = new TripleException(Code.NOT_FOUND, 'no hero', { details, metadata: { 'x-a': 'b', 'x-c-bin': Buffer.from([3]) } });
    assert.ok(e instanceof RpcException);
    assert.equal(e.name, 'TripleException');
    assert.equal(e.code, Code.NOT_FOUND);
    assert.equal(e.message, 'no hero');
    assert.equal(e.details, details);
    assert.ok(e.metadata instanceof Metadata);
    assert.equal(e.metadata.get('x-a'), 'b');
    assert.equal(e.getError(), e);
    const md = new Metadata();
    assert.equal(new TripleException(Code.ABORTED, 'x', { metadata: md }).metadata, md);
    assert.equal(new TripleException(Code.ABORTED, 'x', { cause: 'why' }).cause, 'why');
  });

  test("passes through Nest's BaseRpcExceptionFilter as itself", async () => {
    const e = new TripleException(Code.PERMISSION_DENIED, 'nope');
    const out$ = new BaseRpcExceptionFilter().catch(e, {} as never) as Observable<never>;
    await assert.rejects(lastValueFrom(out$), (err) => err === e);
  });

  test('converts to and from TripleError', () => {
    const e = new TripleException(Code.RESOURCE_EXHAUSTED, 'too big', { details, metadata: { 'x-q': '1' } });
    const core = e.toTripleError();
    assert.ok(core instanceof TripleError);
    assert.deepEqual([core.code, core.rawMessage, core.details, core.metadata.get('x-q'), core.cause], [Code.RESOURCE_EXHAUSTED, 'too big', details, '1', e]);
    const back = TripleException.fromTripleError(core);
    assert.deepEqual([back.code, back.message, back.details, back.metadata, back.cause], [core.code, 'too big', details, core.metadata, core]);
  });
});
