import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TripleClient } from '../client/triple-client.js';
import type { TripleClientOptions } from '../interfaces/triple-client-options.interface.js';
import type {
  TripleClientAsyncOptions,
  TripleClientOptionsFactory,
  TripleClientProviderOptions,
  TripleClientsModuleAsyncOptions,
  TripleClientsModuleOptions,
  TripleClientToken,
} from './triple-clients.interfaces.js';

/**
 * Provides TripleClients by name, following Nest's ClientsModule recipe (same option shapes,
 * `isGlobal`, `registerAsync` with useFactory / useClass / useExisting, `inject`, `imports`,
 * `extraProviders`), so `ClientsModule.register([{ name, transport: Transport.GRPC, options }])`
 * ports by renaming. Each client is closed on app shutdown (TripleClient#onApplicationShutdown).
 *
 * Differences from ClientsModule, on purpose: clients are built by the injector rather than
 * when `register()` runs, so an invalid option or proto fails the bootstrap (with Nest's
 * provider context) instead of the import of a module file; and each client's options sit in a
 * private provider of their own, so the module's identity hash (Nest's deep-hashed module key)
 * tells apart two registrations that differ only in options or factory.
 */
@Module({})
export class TripleClientsModule {
  /** Clients whose options are known when the module is declared. */
  static register(options: TripleClientsModuleOptions): DynamicModule {
    const { clients, isGlobal } = normalize<TripleClientProviderOptions>(options, 'register');
    const providers = clients.flatMap((client): Provider[] => {
      if (typeof client.options !== 'object' || client.options === null) {
        throw new TypeError(`TripleClientsModule.register: client ${String(client.name)} needs an options object`);
      }
      const optionsToken = optionsTokenFor(client.name);
      return [{ provide: optionsToken, useValue: client.options }, clientProvider(client.name, optionsToken)];
    });
    return { module: TripleClientsModule, global: isGlobal, providers, exports: clients.map((c) => c.name) };
  }

  /** Clients whose options come from other providers (a config service, secrets, ...). */
  static registerAsync(options: TripleClientsModuleAsyncOptions): DynamicModule {
    const { clients, isGlobal } = normalize<TripleClientAsyncOptions>(options, 'registerAsync');
    const providers = clients.flatMap((client) => [...asyncProviders(client), ...(client.extraProviders ?? [])]);
    const imports = [...new Set(clients.flatMap((client) => client.imports ?? []))];
    return { module: TripleClientsModule, global: isGlobal, imports, providers, exports: clients.map((c) => c.name) };
  }
}

function normalize<T extends { name: TripleClientToken }>(
  options: T[] | { clients: T[]; isGlobal?: boolean },
  method: string,
): { clients: T[]; isGlobal: boolean } {
  const clients = Array.isArray(options) ? options : options?.clients;
  if (!Array.isArray(clients)) throw new TypeError(`TripleClientsModule.${method}: expected an array of clients or { clients, isGlobal }`);
  const seen = new Set<TripleClientToken>();
  for (const client of clients) {
    const name = client?.name;
    if (typeof name !== 'string' && typeof name !== 'symbol') throw new TypeError(`TripleClientsModule.${method}: every client needs a name (string or symbol)`);
    if (seen.has(name)) throw new TypeError(`TripleClientsModule.${method}: client name ${String(name)} is used twice`);
    seen.add(name);
  }
  return { clients, isGlobal: !Array.isArray(options) && options.isGlobal === true };
}

/** A private token per registration; its value (the options) is what makes the module hash unique. */
function optionsTokenFor(name: TripleClientToken): symbol {
  return Symbol(`TripleClientOptions(${String(name)})`);
}

function clientProvider(name: TripleClientToken, optionsToken: symbol): Provider {
  return { provide: name, useFactory: (options: TripleClientOptions) => new TripleClient(options), inject: [optionsToken] };
}

function asyncProviders(client: TripleClientAsyncOptions): Provider[] {
  const { name, useFactory, useClass, useExisting } = client;
  const sources = [useFactory, useClass, useExisting].filter((source) => source !== undefined).length;
  if (sources !== 1) {
    throw new TypeError(`TripleClientsModule.registerAsync: client ${String(name)} needs exactly one of useFactory, useClass or useExisting`);
  }
  const optionsToken = optionsTokenFor(name);
  const fromFactoryClass = (factory: TripleClientOptionsFactory) => factory.createTripleClientOptions();
  const providers: Provider[] = [];
  if (useFactory) {
    providers.push({ provide: optionsToken, useFactory, inject: client.inject ?? [] });
  } else if (useClass) {
    providers.push({ provide: useClass, useClass }, { provide: optionsToken, useFactory: fromFactoryClass, inject: [useClass] });
  } else {
    providers.push({ provide: optionsToken, useFactory: fromFactoryClass, inject: [useExisting!] });
  }
  providers.push(clientProvider(name, optionsToken));
  return providers;
}
