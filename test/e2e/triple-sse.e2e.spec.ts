import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as h2connect } from 'node:http2';
import type { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import { probe } from '../fixtures/echo.controller.js';
import { startEchoServer, type RunningServer } from '../helpers/start-echo-server.js';

const PATH = '/echo.v1.EchoService/EchoServerStream';
const COUNT = 300;
/** Each event carries this payload back (~87 KB of base64 JSON), so socket buffers fill fast. */
const PAYLOAD = Buffer.alloc(64 * 1024, 7).toString('base64');
const REQUEST = JSON.stringify({ message: 'iterable', count: COUNT, payload: PAYLOAD });
const HEADERS = { 'content-type': 'application/json', accept: 'text/event-stream' };

/** Leaves the response unread for `pauseMs`, notes how far the handler got, then reads it all. */
async function pausedRead(res: Readable, pauseMs: number): Promise<{ producedWhilePaused: number; text: string }> {
  res.pause();
  await new Promise((r) => setTimeout(r, pauseMs));
  const producedWhilePaused = probe.produced;
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { producedWhilePaused, text: Buffer.concat(chunks).toString() };
}

function assertAllEvents(text: string): void {
  const events = text.split('\n\n').filter(Boolean);
  assert.equal(events.length, COUNT + 1);
  assert.equal(JSON.parse(events[COUNT - 1]!.slice('data: '.length)).message, `iterable-${COUNT - 1}`);
  assert.equal(events[COUNT], 'event: status\ndata: {"code":"ok","status":0}');
}

describe('Server-Sent Events respect backpressure', () => {
  let server: RunningServer;

  before(async () => {
    server = await startEchoServer();
  });
  after(async () => {
    await server?.close();
  });
  beforeEach(() => probe.reset());

  test('HTTP/1.1: an AsyncIterable handler is pulled only as fast as the client reads', async () => {
    const [host, port] = server.address.split(':');
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ host, port: Number(port), method: 'POST', path: PATH, headers: HEADERS, agent: false }, resolve);
      req.on('error', reject);
      req.end(REQUEST);
    });
    assert.equal(res.statusCode, 200);
    const { producedWhilePaused, text } = await pausedRead(res, 500);
    assert.ok(producedWhilePaused < COUNT / 2, `handler produced ${producedWhilePaused} of ${COUNT} events while the client read nothing`);
    assertAllEvents(text);
  });

  test('HTTP/2: flow control holds the handler back the same way', async () => {
    const session = h2connect(`http://${server.address}`);
    try {
      const stream = session.request({ ':method': 'POST', ':path': PATH, ...HEADERS });
      stream.end(REQUEST);
      const status = await new Promise<number>((resolve, reject) => {
        stream.once('response', (h) => resolve(Number(h[':status'])));
        stream.once('error', reject);
      });
      assert.equal(status, 200);
      const { producedWhilePaused, text } = await pausedRead(stream, 500);
      assert.ok(producedWhilePaused < COUNT / 2, `handler produced ${producedWhilePaused} of ${COUNT} events while the client read nothing`);
      assertAllEvents(text);
    } finally {
      session.close();
    }
  });
});
