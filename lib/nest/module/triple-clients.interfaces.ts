import type { FactoryProvider, ModuleMetadata, Provider, Type } from '@nestjs/common';
import type { TripleClientOptions } from '../interfaces/triple-client-options.interface.js';

/** Token a client is injected by: `@Inject('HERO') client: TripleClient`. */
export type TripleClientToken = string | symbol;

/** One client of `TripleClientsModule.register()`. */
export interface TripleClientProviderOptions {
  /** Injection token of the client. */
  name: TripleClientToken;
  options: TripleClientOptions;
}

/**
 * Argument of `register()`: a list of clients, or `{ clients, isGlobal }` to make them
 * injectable everywhere without importing the module again (same shapes as ClientsModule).
 */
export type TripleClientsModuleOptions =
  | TripleClientProviderOptions[]
  | {
      clients: TripleClientProviderOptions[];
      /** Register the clients in the global scope. Default false. */
      isGlobal?: boolean;
    };

/** A class (for `useClass` / `useExisting`) that produces a client's options, e.g. from config. */
export interface TripleClientOptionsFactory {
  createTripleClientOptions(): TripleClientOptions | Promise<TripleClientOptions>;
}

/**
 * One client of `TripleClientsModule.registerAsync()`: its options come from exactly one of
 * `useFactory` (with `inject`), `useClass` or `useExisting`, as in Nest's ClientsModule.
 */
export interface TripleClientAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Injection token of the client. */
  name: TripleClientToken;
  /** Returns the options; receives the `inject` providers in order. */
  useFactory?: (...args: any[]) => TripleClientOptions | Promise<TripleClientOptions>;
  /** Providers passed to `useFactory`. Default []. */
  inject?: FactoryProvider['inject'];
  /** Instantiated by the module (with its own dependencies) to create the options. */
  useClass?: Type<TripleClientOptionsFactory>;
  /** An already provided options factory (from `imports`) to create the options. */
  useExisting?: Type<TripleClientOptionsFactory>;
  /** Providers the factory needs that no imported module provides. */
  extraProviders?: Provider[];
}

/** Argument of `registerAsync()`: a list of clients, or `{ clients, isGlobal }`. */
export type TripleClientsModuleAsyncOptions =
  | TripleClientAsyncOptions[]
  | {
      clients: TripleClientAsyncOptions[];
      /** Register the clients in the global scope. Default false. */
      isGlobal?: boolean;
    };
