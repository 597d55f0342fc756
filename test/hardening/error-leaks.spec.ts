import 'reflect-metadata';
import { Module, type INestMicroservice, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { TripleServer } from '../../lib/index.js';
import { collect, createGrpcJsEchoClient, grpc, unary } from '../helpers/grpc-js-client.js';
import { ECHO_PROTO } from '../helpers/start-echo-server.js';
import { LeakyController, SECRET } from './fixtures/leaky.controller.js';

const text = (args: unknown[]): string => args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');

/** Captures everything the app logs (objects as Nest's ConsoleLogger prints them). */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...args: unknown[]): void {
    this.lines.push(text(args));
  }
  error(...args: unknown[]): void {
    this.lines.push(text(args));
  }
  warn(...args: unknown[]): void {
    this.lines.push(text(args));
  }
  debug(): void {}
  verbose(): void {}
}

interface Failure {
  code?: number;
  details?: string;
  message?: string;
  metadata?: grpc.Metadata;
}

/** Everything a client can see of a failure, as one string. */
function visible(e: Failure): string {
  return JSON.stringify({ details: e.details, message: e.message, metadata: e.metadata?.toJSON() });
}

describe('errors never leak internals: INTERNAL "internal error" on the wire, details in the server log', { timeout: 90_000 }, () => {
  let app: INestMicroservice;
  let server: TripleServer;
  let client: grpc.Client & Record<string, Function>;
  const logger = new CapturingLogger();

  before(async () => {
    @Module({ controllers: [LeakyController] })
    class LeakyModule {}
    server = new TripleServer({ url: '127.0.0.1:0', protoPath: ECHO_PROTO, package: 'echo.v1' });
    app = await NestFactory.createMicroservice(LeakyModule, { strategy: server, logger });
    await app.listen();
    client = createGrpcJsEchoClient(server.url!);
  });
  after(async () => {
    client.close();
    await app.close();
  });

  async function expectInternal(call: Promise<unknown>, what: string): Promise<void> {
    const logged = logger.lines.length;
    const error = await call.then(
      () => assert.fail(`${what} succeeded`),
      (e: Failure) => e,
    );
    assert.equal(error.code, grpc.status.INTERNAL, `${what}: ${visible(error)}`);
    assert.equal(error.details, 'internal error', what);
    const seen = visible(error);
    assert.ok(!seen.includes('/srv/') && !seen.includes('.ts:') && !seen.includes('SELECT') && !/\bat .+:\d+/.test(seen), `${what} leaked: ${seen}`);
    // The server log has the real error for the operator.
    await new Promise((r) => setTimeout(r, 20));
    const log = logger.lines.slice(logged).join('\n');
    assert.ok(log.includes(SECRET), `${what}: the server log lacks the original error:\n${log}`);
  }

  test('unary: thrown Error', () => expectInternal(unary(client, 'echo', { message: 'x' }), 'unary throw'));

  test('unary: rejected promise', () => expectInternal(unary(client, 'lookup', { message: 'x' }), 'unary reject'));

  test('unary: a thrown non-Error object', () => expectInternal(unary(client, 'fail', {}), 'unary throw object'));

  test('server stream: Observable error', () => expectInternal(collect(client.echoServerStream({ message: 'obs' })), 'server stream Observable'));

  test('server stream: async generator throwing after one message', async () => {
    const call = client.echoServerStream({ message: 'generator' }) as grpc.ClientReadableStream<{ message: string }>;
    const received: string[] = [];
    call.on('data', (m: { message: string }) => received.push(m.message));
    await expectInternal(collect(call), 'async generator');
    assert.deepEqual(received, ['first'], 'the message before the failure was delivered');
  });

  test('client stream: error in the pipeline', () =>
    expectInternal(
      new Promise((resolve, reject) => {
        const call = client.echoClientStream((err: unknown, res: unknown) => (err ? reject(err) : resolve(res)));
        call.write({ message: 'a' });
        call.end();
      }),
      'client stream',
    ));

  test('Triple unary over HTTP/1.1 (JSON): error body without internals', async () => {
    const logged = logger.lines.length;
    const res = await fetch(`http://${server.url}/echo.v1.EchoService/Echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"message":"x"}',
    });
    const body = await res.text();
    const headers = JSON.stringify([...res.headers]);
    assert.equal(res.status, 500, body);
    assert.match(body, /"internal"/);
    assert.ok(!body.includes('/srv/') && !headers.includes('/srv/'), `leaked: ${body} ${headers}`);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(logger.lines.slice(logged).join('\n').includes(SECRET));
  });

  test('bidi: error on the second message', async () => {
    const call = client.echoBidi() as grpc.ClientDuplexStream<{ message: string }, { message: string }>;
    const done = collect(call);
    call.write({ message: 'first' });
    call.write({ message: 'second' });
    call.end();
    await expectInternal(done, 'bidi');
  });
});
