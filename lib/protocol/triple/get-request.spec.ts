import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code } from '../../core/code.js';
import { parseGetRequest, type GetRequest } from './get-request.js';

function ok(query: string, max = 1024): GetRequest {
  const result = parseGetRequest(query, max);
  if ('error' in result) throw result.error;
  return result.value;
}

function fails(query: string, max = 1024): Code {
  const result = parseGetRequest(query, max);
  assert.ok('error' in result, `expected ${query} to fail`);
  return result.error.code;
}

describe('parseGetRequest', () => {
  it('reads the dubbo-js query form with a urlencoded JSON message', () => {
    const req = ok(`triple=v1.0.0&encoding=json&message=${encodeURIComponent('{"message":"a b+c"}')}`);
    assert.equal(req.codec, 'json');
    assert.equal(Buffer.from(req.message).toString(), '{"message":"a b+c"}');
    assert.equal(req.hasVersion, true);
    assert.equal(req.compression, undefined);
  });

  it('decodes base64url and standard base64, padded or not, for proto', () => {
    const payload = Buffer.from([0x0a, 0x03, 0xff, 0xfe, 0xfd]);
    for (const encoded of [payload.toString('base64url'), encodeURIComponent(payload.toString('base64'))]) {
      const req = ok(`encoding=proto&base64=1&message=${encoded}`);
      assert.equal(req.codec, 'proto');
      assert.deepEqual(Buffer.from(req.message), payload);
    }
  });

  it('keeps percent-encoded bytes as bytes (proto without base64)', () => {
    assert.deepEqual(Buffer.from(ok('encoding=proto&message=%0A%01%FF').message), Buffer.from([0x0a, 0x01, 0xff]));
  });

  it('defaults to JSON and the empty message; ignores unknown parameters; reads compression', () => {
    const req = ok('cachebust=123');
    assert.equal(req.codec, 'json');
    assert.equal(req.message.byteLength, 0);
    assert.equal(req.hasVersion, false);
    assert.equal(ok('compression=gzip&base64=1&message=H4s').compression, 'gzip');
    assert.equal(ok('compression=identity').compression, undefined);
  });

  it('rejects unknown encodings, bad base64 and bad percent-encoding with INVALID_ARGUMENT', () => {
    assert.equal(fails('encoding=xml'), Code.INVALID_ARGUMENT);
    assert.equal(fails('base64=1&message=a*b'), Code.INVALID_ARGUMENT);
    assert.equal(fails('base64=1&message=abcde'), Code.INVALID_ARGUMENT);
    assert.equal(fails('message=%zz'), Code.INVALID_ARGUMENT);
    assert.equal(fails('message=%4'), Code.INVALID_ARGUMENT);
  });

  it('applies readMaxBytes to the decoded message (RESOURCE_EXHAUSTED)', () => {
    assert.equal(fails(`message=${'x'.repeat(11)}`, 10), Code.RESOURCE_EXHAUSTED);
    assert.equal(ok(`message=${'x'.repeat(10)}`, 10).message.byteLength, 10);
  });
});
