import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ClientTransport } from '../../lib/core/client-transport.js';
import { Code } from '../../lib/core/code.js';
import { encodeEnvelope } from '../../lib/core/envelope.js';
import { TripleError } from '../../lib/core/triple-error.js';
import { createClientTransport } from '../../lib/nest/client/create-client-transport.js';
import { echoMethod, requestsOf } from '../helpers/echo-methods.js';

/**
 * How the client reads the single response of unary and client-streaming gRPC calls, against a
 * hand-written node:http2 server that misbehaves on purpose: the cardinality rules (zero or two
 * messages = UNIMPLEMENTED, a non-OK status wins), broken frames and messages (INTERNAL), and a
 * message split over many DATA frames.
 */

const Echo = echoMethod('Echo');
const ClientStream = echoMethod('EchoClientStream');
const frame = (message: string): Buffer => encodeEnvelope(0, Echo.output.proto.encode({ message }));

type Behaviour = (stream: ServerHttp2Stream) => void;

function respond(stream: ServerHttp2Stream, body: Buffer[], trailers: Record<string, string> = { 'grpc-status': '0' }): void {
  stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers(trailers));
  for (const chunk of body) stream.write(chunk);
  stream.end();
}

const behaviours: Record<string, Behaviour> = {
  ok: (s) => respond(s, [frame('one')]),
  two: (s) => respond(s, [frame('one'), frame('two')]),
  none: (s) => respond(s, []),
  noneFailed: (s) => respond(s, [], { 'grpc-status': String(Code.NOT_FOUND), 'grpc-message': 'nothing here' }),
  trailersOnly: (s) => s.respond({ ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-status': '0' }, { endStream: true }),
  truncated: (s) => respond(s, [frame('one').subarray(0, 7)]),
  garbage: (s) => respond(s, [encodeEnvelope(0, Buffer.from([0x0a, 0xff, 0xff, 0xff]))]),
  // One message, one byte per DATA frame.
  split: (s) => respond(s, [...frame('split over many frames')].map((b) => Buffer.from([b]))),
  oneThenError: (s) => respond(s, [frame('one')], { 'grpc-status': String(Code.ABORTED), 'grpc-message': 'changed my mind' }),
};

describe('client: reading the single response of unary and client-streaming calls', () => {
  let server: Http2Server;
  let client: ClientTransport;
  let behaviour: Behaviour = behaviours.ok!;

  before(async () => {
    server = createServer();
    server.on('stream', (stream) => {
      stream.on('error', () => undefined);
      // Answer once the request is complete, as a real server answers a unary call.
      stream.resume();
      stream.once('end', () => behaviour(stream));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    client = createClientTransport({ url: `127.0.0.1:${(server.address() as AddressInfo).port}`, timeout: 5000 });
  });
  after(async () => {
    await client.close();
    await new Promise((r) => server.close(r));
  });

  async function codeOf(name: string, call: () => Promise<unknown>): Promise<Code> {
    behaviour = behaviours[name]!;
    try {
      await call();
      return Code.OK;
    } catch (e) {
      assert.ok(e instanceof TripleError, `${name}: ${String(e)}`);
      return e.code;
    }
  }

  const unary = (): Promise<unknown> => client.unary(Echo, { message: 'hi' });

  test('one message and an OK status: the message, whatever the DATA framing', async () => {
    behaviour = behaviours.ok!;
    assert.equal(((await client.unary(Echo, { message: 'hi' })).message as { message: string }).message, 'one');
    behaviour = behaviours.split!;
    assert.equal(((await client.unary(Echo, { message: 'hi' })).message as { message: string }).message, 'split over many frames');
    const res = await client.clientStream(ClientStream, requestsOf([{ message: 'a' }, { message: 'b' }]));
    assert.equal((res.message as { message: string }).message, 'split over many frames');
  });

  test('two messages: UNIMPLEMENTED', async () => {
    assert.equal(await codeOf('two', unary), Code.UNIMPLEMENTED);
    assert.equal(await codeOf('two', () => client.clientStream(ClientStream, requestsOf([{ message: 'a' }]))), Code.UNIMPLEMENTED);
  });

  test('no message: UNIMPLEMENTED with an OK status (also trailers-only), the status otherwise', async () => {
    assert.equal(await codeOf('none', unary), Code.UNIMPLEMENTED);
    assert.equal(await codeOf('trailersOnly', unary), Code.UNIMPLEMENTED);
    assert.equal(await codeOf('noneFailed', unary), Code.NOT_FOUND);
    assert.equal(await codeOf('oneThenError', unary), Code.ABORTED, 'a message followed by an error status is the error');
  });

  test('a truncated frame or an undecodable message: INTERNAL', async () => {
    assert.equal(await codeOf('truncated', unary), Code.INTERNAL);
    assert.equal(await codeOf('garbage', unary), Code.INTERNAL);
  });

  test('the client still works after all that', async () => {
    assert.equal(await codeOf('ok', unary), Code.OK);
  });
});
