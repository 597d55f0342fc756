import assert from 'node:assert/strict';
import { connect, createServer, type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Code } from '../../lib/core/code.js';
import type { BodyReader } from '../../lib/core/server-call.js';
import { TripleError } from '../../lib/core/triple-error.js';
import { H2ServerCall } from '../../lib/http2/h2-server-call.js';

/** Records what a push-mode body read delivers. */
class RecordingReader implements BodyReader {
  chunks: Buffer[] = [];
  ended = false;
  errors: unknown[] = [];
  readonly done: Promise<void>;
  private settle!: () => void;

  constructor() {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  onBodyChunk(chunk: Uint8Array): void {
    assert.ok(!this.ended && this.errors.length === 0, 'no chunk after the end or an error');
    this.chunks.push(Buffer.from(chunk));
  }

  onBodyEnd(): void {
    this.ended = true;
    this.settle();
  }

  onBodyError(error: unknown): void {
    this.errors.push(error);
    this.settle();
  }
}

const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a failure after `ms`: a regression here would otherwise hang the suite. */
function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('H2ServerCall.readBody: push-mode request bodies over a real HTTP/2 stream', () => {
  let server: Http2Server;
  let client: ClientHttp2Session;
  let nextCall: (call: H2ServerCall) => void = () => undefined;

  before(async () => {
    server = createServer();
    server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => nextCall(new H2ServerCall(stream, headers, rawHeaders)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  after(async () => {
    client.close();
    await new Promise((r) => server.close(r));
  });

  function serverCall(): Promise<H2ServerCall> {
    return new Promise((resolve) => (nextCall = resolve));
  }

  test('delivers every chunk then the end; while paused the client is held back by flow control', async () => {
    const arriving = serverCall();
    const stream = client.request({ ':method': 'POST', ':path': '/t' });
    const call = await arriving;
    const reader = new RecordingReader();
    call.readBody(reader);
    call.pauseBody();
    const block = Buffer.alloc(16 * 1024, 1);
    let accepted = 0;
    while (accepted < 64 && stream.write(block)) accepted++;
    await tick(100);
    assert.ok(reader.bytes < 2 * 1024 * 1024, `paused: ${reader.bytes} bytes delivered`);
    assert.ok(accepted < 64, 'the client saw backpressure');
    call.resumeBody();
    stream.end(Buffer.from('last'));
    await within(reader.done, 'the end of the body');
    assert.equal(reader.ended, true);
    assert.ok(Buffer.concat(reader.chunks).subarray(-4).equals(Buffer.from('last')));
    call.respond(200, {}, { endStream: true });
  });

  test('a peer reset mid-body settles the read and cancels the call', async () => {
    const arriving = serverCall();
    const stream = client.request({ ':method': 'POST', ':path': '/t' });
    stream.on('error', () => undefined);
    const call = await arriving;
    const cancelled = new Promise<TripleError>((resolve) => call.setCancelListener({ onCallCancelled: resolve }));
    const reader = new RecordingReader();
    call.readBody(reader);
    stream.write(Buffer.from('part'));
    await tick();
    stream.close(0x8); // RST_STREAM(CANCEL)
    await within(reader.done, 'the read to settle');
    // node:http2 may report the reset to the body as its end ('end' before 'close'); the call's
    // cancel listener is what tells a handler (see CallScope.onCallCancelled).
    assert.equal((await within(cancelled, 'the cancel')).code, Code.CANCELLED);
    assert.ok(Buffer.concat(reader.chunks).equals(Buffer.from('part')));
  });

  test('once the response is complete the rest of the request is discarded and the reader told so', async () => {
    const arriving = serverCall();
    const stream = client.request({ ':method': 'POST', ':path': '/t' });
    const closed = new Promise<void>((resolve) => stream.on('close', resolve));
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);
    const call = await arriving;
    const reader = new RecordingReader();
    call.readBody(reader);
    stream.write(Buffer.alloc(1024));
    await tick();
    call.respond(200, {}, {});
    call.end(Buffer.from('done'));
    await within(reader.done, 'the reader to be told');
    assert.equal(reader.errors.length, 1);
    assert.ok(reader.errors[0] instanceof TripleError && reader.errors[0].code === Code.CANCELLED);
    // The client keeps sending: nothing more reaches the reader, and its stream still completes.
    for (let i = 0; i < 64; i++) stream.write(Buffer.alloc(16 * 1024));
    stream.end();
    await within(closed, 'the client stream to close');
    assert.equal(reader.errors.length, 1);
  });
});
