import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Code } from './code.js';
import type { Codec } from './codec.js';
import { gzipCompression } from './compression-gzip.js';
import { encodeEnvelope, FLAG_COMPRESSED } from './envelope.js';
import type { MessageReadOptions } from './message-reader.js';
import { RequestMessages } from './request-messages.js';
import { TripleError } from './triple-error.js';

const textCodec: Codec<string> = {
  name: 'proto',
  encode: (s) => Buffer.from(s),
  decode: (b) => Buffer.from(b).toString(),
};

const options: MessageReadOptions<string> = { readMaxBytes: 100, compression: gzipCompression, codec: textCodec, encodingHeader: 'grpc-encoding' };

/** A body of the given chunks (then failing with `failAfter`, if given); counts the chunks pulled. */
function body(chunks: Uint8Array[], failAfter?: TripleError): AsyncIterable<Uint8Array> & { pulls: number } {
  const b = {
    pulls: 0,
    async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
      for (const c of chunks) {
        b.pulls++;
        yield c;
      }
      if (failAfter) throw failAfter;
    },
  };
  return b;
}

const frames = (...texts: string[]): Buffer => Buffer.concat(texts.map((t) => encodeEnvelope(0, Buffer.from(t))));

describe('RequestMessages', () => {
  it('hands over every message a chunk completed as one batch, envelopes split across chunks included', async () => {
    const all = frames('a', 'bb', 'ccc', 'dddd');
    const messages = new RequestMessages(body([all.subarray(0, 9), all.subarray(9)]), options);
    assert.deepEqual(await messages.nextBatch(), ['a']);
    assert.deepEqual(await messages.nextBatch(), ['bb', 'ccc', 'dddd']);
    assert.equal(await messages.nextBatch(), undefined);
    assert.equal(await messages.nextBatch(), undefined);
  });

  it('skips chunks that complete no message', async () => {
    const all = frames('hello');
    const messages = new RequestMessages(body([all.subarray(0, 2), all.subarray(2, 6), all.subarray(6)]), options);
    assert.deepEqual(await messages.nextBatch(), ['hello']);
    assert.equal(await messages.nextBatch(), undefined);
  });

  it('iterates message by message over the same batches, and nextBatch continues where it left off', async () => {
    const messages = new RequestMessages(body([frames('1', '2', '3'), frames('4')]), options);
    const iterator = messages[Symbol.asyncIterator]();
    assert.deepEqual(await iterator.next(), { value: '1', done: false });
    assert.deepEqual(await messages.nextBatch(), ['2', '3']);
    assert.deepEqual(await iterator.next(), { value: '4', done: false });
    assert.equal((await iterator.next()).done, true);
  });

  it('decompresses flagged messages, keeping their order among plain ones', async () => {
    const zipped = encodeEnvelope(FLAG_COMPRESSED, await gzipCompression.compress(Buffer.from('zip')));
    const messages = new RequestMessages(body([Buffer.concat([frames('a'), zipped, frames('b')])]), options);
    assert.deepEqual(await messages.nextBatch(), ['a', 'zip', 'b']);
  });

  it('reports a broken stream once to onError and throws it to the consumer', async () => {
    const errors: TripleError[] = [];
    const oversized = Buffer.from([0, 0, 0, 1, 0]); // announces 256 bytes, over readMaxBytes 100
    const messages = new RequestMessages(body([frames('ok'), oversized]), options, (e) => errors.push(e));
    assert.deepEqual(await messages.nextBatch(), ['ok']);
    await assert.rejects(messages.nextBatch(), (e: unknown) => e instanceof TripleError && e.code === Code.RESOURCE_EXHAUSTED);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, Code.RESOURCE_EXHAUSTED);
    assert.equal(await messages.nextBatch(), undefined, 'nothing more after the failure');
    assert.equal(errors.length, 1);
  });

  it('a body that fails (peer reset) and a truncated last envelope end the stream with an error', async () => {
    const reset = new TripleError(Code.CANCELLED, 'reset');
    const errors: TripleError[] = [];
    const a = new RequestMessages(body([frames('x')], reset), options, (e) => errors.push(e));
    assert.deepEqual(await a.nextBatch(), ['x']);
    await assert.rejects(a.nextBatch(), (e: unknown) => e === reset);
    assert.equal(errors[0]!.code, Code.CANCELLED);
    const truncated = new RequestMessages(body([frames('whole').subarray(0, 7)]), options, (e) => errors.push(e));
    await assert.rejects(truncated.nextBatch(), (e: unknown) => e instanceof TripleError && e.code === Code.INVALID_ARGUMENT);
  });

  it('refuses a compressed message when no compression was negotiated', async () => {
    const messages = new RequestMessages(body([encodeEnvelope(FLAG_COMPRESSED, Buffer.from('x'))]), { ...options, compression: null });
    await assert.rejects(messages.nextBatch(), (e: unknown) => e instanceof TripleError && e.code === Code.INVALID_ARGUMENT && /grpc-encoding/.test(e.rawMessage));
  });

  it('cancel() stops reading the body and reports nothing', async () => {
    const errors: TripleError[] = [];
    const b = body([frames('1'), frames('2'), frames('3')]);
    const messages = new RequestMessages(b, options, (e) => errors.push(e));
    assert.deepEqual(await messages.nextBatch(), ['1']);
    messages.cancel();
    assert.equal(await messages.nextBatch(), undefined);
    assert.equal(b.pulls, 1);
    assert.deepEqual(errors, []);
  });

  it('leaving a for-await loop early cancels', async () => {
    const b = body([frames('1', '2'), frames('3')]);
    const messages = new RequestMessages(b, options);
    for await (const m of messages) if (m === '1') break;
    assert.equal(await messages.nextBatch(), undefined);
    assert.equal(b.pulls, 1);
  });
});
