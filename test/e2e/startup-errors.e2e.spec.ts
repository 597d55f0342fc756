import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Controller, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TripleMethod, TripleServer, TripleStreamMethod } from '../../lib/index.js';
import { ECHO_PROTO } from '../helpers/start-echo-server.js';

class CollectingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(m: unknown): void { this.lines.push(String(m)); }
  error(m: unknown): void { this.lines.push(String(m)); }
  warn(m: unknown): void { this.lines.push(String(m)); }
}

async function boot(controller: Function, logger: LoggerService = new CollectingLogger()) {
  @Module({ controllers: [controller as any] })
  class M {}
  const server = new TripleServer({ url: '127.0.0.1:0', protoPath: ECHO_PROTO, package: 'echo.v1' });
  const app = await NestFactory.createMicroservice(M, { strategy: server, logger });
  return { app, server };
}

describe('startup checks', () => {
  test('a handler naming a service the protos do not define fails startup, naming it', async () => {
    @Controller()
    class Typo {
      @TripleMethod('EchoServise', 'Echo')
      echo() {
        return {};
      }
    }
    const { app } = await boot(Typo);
    await assert.rejects(app.listen(), /EchoServise/);
    await app.close();
  });

  test('a handler naming a missing method fails startup, naming it', async () => {
    @Controller()
    class Typo {
      @TripleMethod('EchoService', 'Ecco')
      echo() {
        return {};
      }
    }
    const { app } = await boot(Typo);
    await assert.rejects(app.listen(), /Ecco/);
    await app.close();
  });

  test('a streaming-request method decorated with @TripleMethod fails startup with the fix', async () => {
    @Controller()
    class Wrong {
      @TripleMethod('EchoService', 'EchoBidi')
      bidi() {
        return {};
      }
    }
    const { app } = await boot(Wrong);
    await assert.rejects(app.listen(), /TripleStreamMethod/);
    await app.close();
  });

  test('proto methods without a handler are logged by name', async () => {
    @Controller()
    class OnlyBidi {
      @TripleStreamMethod('EchoService', 'EchoBidi')
      bidi() {
        return {};
      }
    }
    const logger = new CollectingLogger();
    const { app, server } = await boot(OnlyBidi, logger);
    await app.listen();
    try {
      assert.ok(logger.lines.some((l) => l.includes('/echo.v1.EchoService/Echo') && l.includes('no handler')), logger.lines.join('\n'));
      assert.ok(logger.lines.some((l) => l.includes('/echo.v1.OtherService/Ping')));
      assert.match(server.url!, /^127\.0\.0\.1:\d+$/);
      assert.ok(server.address!.port > 0, 'port 0 resolved to a real port');
    } finally {
      await app.close();
    }
  });

  test('invalid options fail fast with the option name', () => {
    assert.throws(() => new TripleServer({ url: 'nope', protoPath: ECHO_PROTO }), /url/);
    assert.throws(() => new TripleServer({ protoPath: ECHO_PROTO, maxReceiveMessageLength: -1 }), /maxReceiveMessageLength/);
    assert.throws(() => new TripleServer({ protoPath: 'missing.proto' }), /missing\.proto/);
    assert.throws(() => new TripleServer({ protoPath: ECHO_PROTO, package: 'nope.v1' }), /nope\.v1/);
  });

  test('status, on() and unwrap() work', async () => {
    @Controller()
    class Empty {}
    const { app, server } = await boot(Empty);
    const states: string[] = [];
    server.status.subscribe((s) => states.push(s));
    let connections = 0;
    server.on('connection', () => connections++);
    await app.listen();
    const native = server.unwrap<import('node:net').Server>();
    assert.equal(typeof native.address, 'function');
    const { connect } = await import('node:net');
    await new Promise<void>((resolve) => connect(server.address!.port, '127.0.0.1', function (this: import('node:net').Socket) { this.destroy(); resolve(); }));
    await new Promise((r) => setTimeout(r, 50));
    await app.close();
    assert.equal(connections, 1);
    assert.deepEqual(states, ['listening', 'closing', 'closed']);
  });
});
