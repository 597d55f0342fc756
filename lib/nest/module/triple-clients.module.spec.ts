import 'reflect-metadata';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Inject, Injectable, Module, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TripleClient, type TripleClientStatus } from '../client/triple-client.js';
import type { TripleClientOptions } from '../interfaces/triple-client-options.interface.js';
import { TripleClientsModule } from './triple-clients.module.js';
import type { TripleClientOptionsFactory } from './triple-clients.interfaces.js';

const protoPath = join(process.cwd(), 'test/fixtures/proto/echo.proto');
// Nothing listens there: these specs never call, and the transport connects lazily.
const options: TripleClientOptions = { url: '127.0.0.1:1', protoPath, package: 'echo.v1' };

async function boot(module: Type): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(module, { logger: false });
}

function statusOf(client: TripleClient): TripleClientStatus[] {
  const seen: TripleClientStatus[] = [];
  client.status.subscribe((s) => seen.push(s));
  return seen;
}

describe('TripleClientsModule (no network)', () => {
  test('register: one exported provider per client; isGlobal form', () => {
    const dynamic = TripleClientsModule.register([{ name: 'A', options }, { name: Symbol.for('B'), options }]);
    assert.equal(dynamic.module, TripleClientsModule);
    assert.deepEqual(dynamic.exports, ['A', Symbol.for('B')]);
    assert.equal(dynamic.global, false);
    assert.equal(TripleClientsModule.register({ clients: [{ name: 'A', options }], isGlobal: true }).global, true);
  });

  test('register and registerAsync reject malformed input at declaration', () => {
    assert.throws(() => TripleClientsModule.register([{ name: 'A', options }, { name: 'A', options }]), /used twice/);
    assert.throws(() => TripleClientsModule.register([{ options } as never]), /needs a name/);
    assert.throws(() => TripleClientsModule.register([{ name: 'A' } as never]), /options object/);
    assert.throws(() => TripleClientsModule.register({} as never), /expected an array/);
    assert.throws(() => TripleClientsModule.registerAsync([{ name: 'A' }]), /exactly one of useFactory, useClass or useExisting/);
    assert.throws(
      () => TripleClientsModule.registerAsync([{ name: 'A', useFactory: () => options, useClass: class {} as never }]),
      /exactly one/,
    );
  });

  test('register: the client is injected by name and closed on app.close()', async () => {
    @Injectable()
    class Consumer {
      constructor(@Inject('ECHO') readonly client: TripleClient) {}
    }
    @Module({ imports: [TripleClientsModule.register([{ name: 'ECHO', options }])], providers: [Consumer] })
    class AppModule {}
    const app = await boot(AppModule);
    const client = app.get(Consumer).client;
    assert.ok(client instanceof TripleClient);
    assert.equal(typeof client.getService<Record<string, unknown>>('EchoService').echo, 'function');
    const statuses = statusOf(client);
    await app.close();
    assert.equal(statuses.at(-1), 'closed');
  });

  test('registrations differing only in options stay distinct clients', async () => {
    @Injectable()
    class UserA {
      constructor(@Inject('SAME') readonly client: TripleClient) {}
    }
    @Injectable()
    class UserB {
      constructor(@Inject('SAME') readonly client: TripleClient) {}
    }
    @Module({ imports: [TripleClientsModule.register([{ name: 'SAME', options }])], providers: [UserA], exports: [UserA] })
    class FeatureA {}
    @Module({ imports: [TripleClientsModule.register([{ name: 'SAME', options: { ...options, url: '127.0.0.1:2' } }])], providers: [UserB], exports: [UserB] })
    class FeatureB {}
    @Module({ imports: [FeatureA, FeatureB] })
    class AppModule {}
    const app = await boot(AppModule);
    assert.notEqual(app.get(UserA).client, app.get(UserB).client);
    await app.close();
  });

  test('registerAsync: useFactory with inject and extraProviders, useClass, useExisting; isGlobal', async () => {
    const CONFIG = Symbol('CONFIG');
    @Injectable()
    class OptionsFactory implements TripleClientOptionsFactory {
      createTripleClientOptions(): TripleClientOptions {
        return { ...options, timeout: 1234 };
      }
    }
    @Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
    class ConfigModule {}
    let factoryArgs: unknown[] = [];
    @Module({
      imports: [
        TripleClientsModule.registerAsync({
          isGlobal: true,
          clients: [
            {
              name: 'BY_FACTORY',
              useFactory: async (config: { url: string }) => {
                factoryArgs = [config];
                return { ...options, url: config.url };
              },
              inject: [CONFIG],
              extraProviders: [{ provide: CONFIG, useValue: { url: '127.0.0.1:3' } }],
            },
            { name: 'BY_CLASS', useClass: OptionsFactory },
            { name: 'BY_EXISTING', useExisting: OptionsFactory, imports: [ConfigModule] },
          ],
        }),
      ],
    })
    class AppModule {}
    const app = await boot(AppModule);
    const clients = ['BY_FACTORY', 'BY_CLASS', 'BY_EXISTING'].map((name) => app.get<TripleClient>(name));
    for (const client of clients) assert.ok(client instanceof TripleClient);
    assert.equal(new Set(clients).size, 3);
    assert.deepEqual(factoryArgs, [{ url: '127.0.0.1:3' }]);
    const statuses = clients.map(statusOf);
    await app.close();
    for (const seen of statuses) assert.equal(seen.at(-1), 'closed');
  });
});
