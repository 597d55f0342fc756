import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Code } from './code.js';
import type { Codec } from './codec.js';
import { encodeEnvelope } from './envelope.js';
import { SingleMessageReader, type MessageReadOptions } from './message-reader.js';
import { TripleError } from './triple-error.js';

const text: Codec<string> = {
  name: 'proto',
  encode: (s) => Buffer.from(s),
  decode: (b) => Buffer.from(b).toString(),
};
const options: MessageReadOptions<string> = { readMaxBytes: 16, compression: null, codec: text, encodingHeader: 'grpc-encoding' };

function read(...chunks: Uint8Array[]): unknown {
  const reader = new SingleMessageReader(options);
  for (const c of chunks) reader.push(c);
  return reader.finish();
}

const failsWith = (code: Code, pattern: RegExp) => (e: unknown) => e instanceof TripleError && e.code === code && pattern.test(e.rawMessage);

describe('SingleMessageReader', () => {
  test('one envelope, in one chunk or split anyhow', () => {
    const env = encodeEnvelope(0, Buffer.from('hello'));
    assert.equal(read(env), 'hello');
    assert.equal(read(env.subarray(0, 3), env.subarray(3)), 'hello');
    assert.equal(read(...[...env].map((b) => Buffer.from([b]))), 'hello');
    assert.equal(read(Buffer.alloc(0), env, Buffer.alloc(0)), 'hello');
    assert.equal(read(encodeEnvelope(0, Buffer.alloc(0))), '');
  });

  test('a second message is INVALID_ARGUMENT, whether in the same chunk or a later one', () => {
    const env = encodeEnvelope(0, Buffer.from('a'));
    const more = failsWith(Code.INVALID_ARGUMENT, /more than one message/);
    assert.throws(() => read(Buffer.concat([env, env])), more);
    assert.throws(() => read(env, env), more);
    assert.throws(() => read(env.subarray(0, 2), Buffer.concat([env.subarray(2), env])), more);
  });

  test('no message, or a cut one, is INVALID_ARGUMENT', () => {
    assert.throws(() => read(), failsWith(Code.INVALID_ARGUMENT, /missing request message/));
    const env = encodeEnvelope(0, Buffer.from('hello'));
    assert.throws(() => read(env.subarray(0, 7)), failsWith(Code.INVALID_ARGUMENT, /incomplete envelope/));
    assert.throws(() => read(env, env.subarray(0, 3)), failsWith(Code.INVALID_ARGUMENT, /incomplete envelope/));
  });

  test('a message over readMaxBytes is RESOURCE_EXHAUSTED as soon as its header says so', () => {
    const big = encodeEnvelope(0, Buffer.alloc(17));
    const exhausted = failsWith(Code.RESOURCE_EXHAUSTED, /larger than configured max 16/);
    assert.throws(() => read(big), exhausted);
    const reader = new SingleMessageReader(options);
    assert.throws(() => reader.push(big.subarray(0, 5)), exhausted);
  });

  test('a compressed message without a negotiated compression is refused', async () => {
    await assert.rejects(Promise.resolve(read(encodeEnvelope(1, Buffer.from('x')))), failsWith(Code.INVALID_ARGUMENT, /compressed message without grpc-encoding/));
  });
});
