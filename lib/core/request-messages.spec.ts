import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Code } from './code.js';
import type { Codec } from './codec.js';
import { gzipCompression } from './compression-gzip.js';
import { encodeEnvelope, FLAG_COMPRESSED } from './envelope.js';
import type { MessageReadOptions } from './message-reader.js';
import { RequestMessages, type MessageReceiver, type RequestBody } from './request-messages.js';
import type { BodyReader } from './server-call.js';
import { TripleError } from './triple-error.js';

const textCodec: Codec<string> = {
  name: 'proto',
  encode: (s) => Buffer.from(s),
  decode: (b) => Buffer.from(b).toString(),
};

const options: MessageReadOptions<string> = { readMaxBytes: 100, compression: gzipCompression, codec: textCodec, encodingHeader: 'grpc-encoding' };

const END = Symbol('end');
type BodyItem = Uint8Array | Error | typeof END;

/**
 * A request body fed by the test, flowing like node's streams: items are delivered on later
 * ticks while the body is not paused; counts what the reader asked of it.
 */
class TestBody implements RequestBody {
  delivered = 0;
  pauses = 0;
  stopped = false;
  private reader: BodyReader | undefined;
  private paused = false;
  private readonly items: BodyItem[];

  constructor(...items: BodyItem[]) {
    this.items = items;
  }

  add(...items: BodyItem[]): void {
    this.items.push(...items);
    this.schedule();
  }

  readBody(reader: BodyReader): void {
    this.reader = reader;
    this.schedule();
  }

  pauseBody(): void {
    this.paused = true;
    this.pauses++;
  }

  resumeBody(): void {
    this.paused = false;
    this.schedule();
  }

  stopBody(): void {
    this.stopped = true;
    this.reader = undefined;
  }

  private schedule(): void {
    setImmediate(() => this.flow());
  }

  private flow(): void {
    while (this.reader && !this.paused && this.items.length > 0) {
      const item = this.items.shift()!;
      const reader = this.reader;
      this.delivered++;
      if (item === END) reader.onBodyEnd();
      else if (item instanceof Error) reader.onBodyError(item);
      else reader.onBodyChunk(item);
    }
  }
}

/** Records what a stream pushes; `done` settles at its end or error. */
function record(messages: RequestMessages<string>): { batches: string[][]; done: Promise<TripleError | undefined> } {
  const batches: string[][] = [];
  const done = new Promise<TripleError | undefined>((resolve) => {
    const receiver: MessageReceiver<string> = {
      onMessages: (batch) => void batches.push([...batch]),
      onEnd: () => resolve(undefined),
      onError: (error) => resolve(error),
    };
    messages.receive(receiver);
  });
  return { batches, done };
}

async function collect(messages: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const m of messages) out.push(m);
  return out;
}

const frames = (...texts: string[]): Buffer => Buffer.concat(texts.map((t) => encodeEnvelope(0, Buffer.from(t))));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('RequestMessages', () => {
  it('pushes every message a chunk completed at once, envelopes split across chunks included', async () => {
    const all = frames('a', 'bb', 'ccc', 'dddd');
    const { batches, done } = record(new RequestMessages(new TestBody(all.subarray(0, 9), all.subarray(9), END), options));
    assert.equal(await done, undefined);
    assert.deepEqual(batches, [['a'], ['bb', 'ccc', 'dddd']]);
  });

  it('skips chunks that complete no message', async () => {
    const all = frames('hello');
    const { batches, done } = record(new RequestMessages(new TestBody(all.subarray(0, 2), all.subarray(2, 6), all.subarray(6), END), options));
    assert.equal(await done, undefined);
    assert.deepEqual(batches, [['hello']]);
  });

  it('pulled: iterates message by message, the body paused while decoded messages wait', async () => {
    const body = new TestBody(frames('1', '2', '3'), frames('4'), END);
    const messages = new RequestMessages(body, options);
    const iterator = messages[Symbol.asyncIterator]();
    assert.deepEqual(await iterator.next(), { value: '1', done: false });
    await tick();
    await tick();
    assert.equal(body.delivered, 1, 'no more chunks while 2 and 3 wait');
    assert.deepEqual(await collect({ [Symbol.asyncIterator]: () => iterator }), ['2', '3', '4']);
    assert.ok(body.pauses >= 1);
  });

  it('decompresses flagged messages in order among plain ones; later chunks wait for them', async () => {
    const zipped = encodeEnvelope(FLAG_COMPRESSED, await gzipCompression.compress(Buffer.from('zip')));
    const body = new TestBody(Buffer.concat([frames('a'), zipped, frames('b')]), frames('c'), END);
    const { batches, done } = record(new RequestMessages(body, options));
    assert.equal(await done, undefined);
    assert.deepEqual(batches, [['a', 'zip', 'b'], ['c']]);
    assert.equal(body.pauses, 1, 'paused while decompressing');
  });

  it('a chunk and the end arriving during decompression are handled after it', async () => {
    const zipped = encodeEnvelope(FLAG_COMPRESSED, await gzipCompression.compress(Buffer.from('zip')));
    const messages = new RequestMessages<string>({ readBody: (reader) => queueMicrotask(() => {
      // A transport that does not stop at once: the next chunk and the end come in the same tick.
      reader.onBodyChunk(zipped);
      reader.onBodyChunk(frames('after'));
      reader.onBodyEnd();
    }), pauseBody: () => undefined, resumeBody: () => undefined, stopBody: () => undefined }, options);
    assert.deepEqual(await collect(messages), ['zip', 'after']);
  });

  it('reports a broken stream once to onError and then to the receiver, after the messages before it', async () => {
    const errors: TripleError[] = [];
    const oversized = Buffer.from([0, 0, 0, 1, 0]); // announces 256 bytes, over readMaxBytes 100
    const body = new TestBody(frames('ok'), oversized, frames('never'), END);
    const { batches, done } = record(new RequestMessages(body, options, (e) => errors.push(e)));
    const error = await done;
    assert.ok(error instanceof TripleError && error.code === Code.RESOURCE_EXHAUSTED);
    assert.deepEqual(batches, [['ok']]);
    assert.deepEqual(errors, [error]);
    assert.equal(body.stopped, true, 'the rest of the body is discarded');
    await tick();
    assert.deepEqual(batches, [['ok']], 'nothing more after the failure');
  });

  it('a body that fails (peer reset) and a truncated last envelope end the stream with an error', async () => {
    const reset = new TripleError(Code.CANCELLED, 'reset');
    const errors: TripleError[] = [];
    const pulled = new RequestMessages(new TestBody(frames('x'), reset), options, (e) => errors.push(e));
    const iterator = pulled[Symbol.asyncIterator]();
    assert.deepEqual(await iterator.next(), { value: 'x', done: false });
    await assert.rejects(iterator.next(), (e: unknown) => e === reset);
    assert.equal((await iterator.next()).done, true);
    assert.deepEqual(errors, [reset]);
    const truncated = new RequestMessages(new TestBody(frames('whole').subarray(0, 7), END), options, (e) => errors.push(e));
    await assert.rejects(collect(truncated), (e: unknown) => e instanceof TripleError && e.code === Code.INVALID_ARGUMENT);
  });

  it('refuses a compressed message when no compression was negotiated', async () => {
    const messages = new RequestMessages(new TestBody(encodeEnvelope(FLAG_COMPRESSED, Buffer.from('x')), END), { ...options, compression: null });
    await assert.rejects(collect(messages), (e: unknown) => e instanceof TripleError && e.code === Code.INVALID_ARGUMENT && /grpc-encoding/.test(e.rawMessage));
  });

  it('pause() holds the body back until resume()', async () => {
    const body = new TestBody(frames('1'), frames('2'), END);
    const messages = new RequestMessages(body, options);
    const seen: string[] = [];
    const ended = new Promise<void>((resolve) =>
      messages.receive({
        onMessages: (batch) => {
          seen.push(...batch);
          messages.pause();
        },
        onEnd: resolve,
        onError: (e) => assert.fail(e),
      }),
    );
    await tick();
    await tick();
    assert.deepEqual(seen, ['1']);
    messages.resume();
    await tick();
    assert.deepEqual(seen, ['1', '2']);
    messages.resume();
    await ended;
  });

  it('cancel() stops the body and reports nothing', async () => {
    const errors: TripleError[] = [];
    const body = new TestBody(frames('1'), frames('2'), END);
    const messages = new RequestMessages(body, options, (e) => errors.push(e));
    const seen: string[] = [];
    messages.receive({
      onMessages: (batch) => {
        seen.push(...batch);
        messages.cancel(); // from inside the delivery, as an unsubscribing Observable does
      },
      onEnd: () => assert.fail('ended'),
      onError: (e) => assert.fail(e),
    });
    await tick();
    await tick();
    assert.deepEqual(seen, ['1']);
    assert.equal(body.stopped, true);
    assert.deepEqual(errors, []);
  });

  it('leaving a for-await loop early cancels; a stream is read only once', async () => {
    const body = new TestBody(frames('1', '2'), frames('3'), END);
    const messages = new RequestMessages(body, options);
    for await (const m of messages) if (m === '1') break;
    assert.equal(body.stopped, true);
    assert.equal(body.delivered, 1);
    assert.throws(() => messages.receive({ onMessages: () => undefined, onEnd: () => undefined, onError: () => undefined }), /only once/);
  });
});
