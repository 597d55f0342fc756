import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import type { ClientTransportOptions } from '../../core/client-options.js';
import type { ClientConnectionState, ClientTransport } from '../../core/client-transport.js';
import { isStreamingRequest, type MethodDescriptor } from '../../core/method-descriptor.js';
import { loadProtos, type LoadedProtos, type ServiceDescriptor } from '../../core/proto-loader.js';
import { createClientTransport } from './create-client-transport.js';
import type { TripleClientOptions } from '../interfaces/triple-client-options.interface.js';
import { CallInvoker, toTripleException } from './call-invoker.js';
import { prepareCallOptions } from './call-options.js';
import { resolveTripleClientOptions } from './client-options.js';
import { isRequestStream } from './request-stream.js';
import { buildServiceStub, lowerCamel, type ServiceStub, type StubFlavour } from './service-stub.js';

/** Connection states pushed to `client.status` and to `client.on(state, cb)` listeners. */
export type TripleClientStatus = ClientConnectionState;

/** Events of `client.on()`: one per connection state; callbacks get no arguments. */
export interface TripleClientEvents {
  connecting: () => void;
  connected: () => void;
  disconnected: () => void;
  closed: () => void;
}

/** Builds the wire client from the transport options (injectable for tests and custom wires). */
export type ClientTransportFactory = (options: ClientTransportOptions) => ClientTransport;

/** Options of {@link TripleClient.getService}. */
export interface GetServiceOptions {
  /** true: the pull-based stub (Promises and AsyncIterables) instead of Observables. Default false. */
  iterable?: boolean;
}

/** `send()` / `emit()` pattern: the service (short or package-qualified) and the method (proto or lowerCamel name). */
export interface TripleClientPattern {
  service: string;
  rpc: string;
}

const STATES: readonly TripleClientStatus[] = ['connecting', 'connected', 'disconnected', 'closed'];

/**
 * Nest client for gRPC and Triple services, a real ClientProxy (unlike ClientGrpc, whose
 * send/emit/connect throw): inject it through TripleClientsModule or `ClientsModule` with
 * `customClass: TripleClient`, then either
 * - `getService<T>('HeroService')`: typed stubs, one cold Observable per call (see service-stub), or
 * - `send({ service, rpc }, data)`: the pattern-based ClientProxy way.
 *
 * Every service of the client shares one transport, so one connection per address, whatever
 * the number of services (ClientGrpc opens one channel per service).
 */
export class TripleClient extends ClientProxy<TripleClientEvents> implements OnApplicationShutdown {
  protected readonly logger = new Logger('TripleClient');
  private readonly transport: ClientTransport;
  private readonly protos: LoadedProtos;
  private readonly invoker: CallInvoker;
  private readonly stubs = new Map<string, ServiceStub>();
  private readonly listeners = new Map<TripleClientStatus, Set<() => void>>();
  private state: TripleClientStatus | undefined;
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /**
   * Loads the protos and creates the transport; connects on the first call or on `connect()`.
   * Throws a TypeError for invalid options and an Error for unreadable protos, at module init.
   * `transportFactory` replaces the built-in wire (tests, custom transports).
   */
  constructor(options: TripleClientOptions, transportFactory: ClientTransportFactory = createClientTransport) {
    super();
    const resolved = resolveTripleClientOptions(options);
    this.protos = loadProtos(resolved.protos);
    this.transport = transportFactory(resolved.transport);
    this.invoker = new CallInvoker({
      transport: this.transport,
      defaults: resolved.defaults,
      maxBufferedRequests: resolved.maxBufferedRequests,
      dispatchMetadata: (method, input) => this.runDispatchHook(method, input),
    });
    this.transport.onStateChange((state) => this.setState(state));
  }

  /**
   * Connection states, changes only (Nest's `status`). Typed here rather than through
   * ClientProxy's `Status` parameter: `ClientsModule`'s `customClass` only accepts clients whose
   * status type is plain `string`.
   */
  override get status(): Observable<TripleClientStatus> {
    return super.status as Observable<TripleClientStatus>;
  }

  /**
   * The stub of a service by short (`HeroService`) or package-qualified (`hero.v1.HeroService`)
   * name, with each method under its proto name and its lowerCamel name. Cached per service.
   * Throws an Error naming the known services when there is no such service.
   */
  getService<T extends object = ServiceStub>(name: string, options: GetServiceOptions = {}): T {
    const service = this.findService(name);
    const flavour: StubFlavour = options.iterable ? 'iterable' : 'observable';
    const key = `${flavour}:${service.name}`;
    let stub = this.stubs.get(key);
    if (!stub) this.stubs.set(key, (stub = buildServiceStub(service.methods, this.invoker, flavour)));
    return stub as T;
  }

  /** Same as {@link getService}, under ClientGrpc's other name for it. */
  getClientByServiceName<T extends object = ServiceStub>(name: string): T {
    return this.getService<T>(name);
  }

  /** Connects eagerly; resolves once a connection is ready. Calls connect lazily without it. */
  async connect(): Promise<void> {
    this.connecting ??= this.transport.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw toTripleException(error);
    });
    return this.connecting;
  }

  /** Closes every connection; in-flight calls fail. Idempotent; the client cannot be reused. */
  async close(): Promise<void> {
    this.closing ??= this.transport.close().finally(() => this.setState('closed'));
    return this.closing;
  }

  /** Nest calls this on `app.close()` (and on signals with shutdown hooks enabled). */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** The ClientTransport: `sessionCount`, `onStateChange` and calls by MethodDescriptor. */
  unwrap<T = ClientTransport>(): T {
    return this.transport as T;
  }

  /** Calls `callback` each time the connection enters `event` ('connected', 'disconnected', ...). */
  override on<K extends keyof TripleClientEvents = keyof TripleClientEvents, C extends TripleClientEvents[K] = TripleClientEvents[K]>(event: K, callback: C): void {
    if (!STATES.includes(event)) throw new Error(`TripleClient.on: unknown event "${String(event)}" (known: ${STATES.join(', ')})`);
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(callback);
  }

  /**
   * Fire-and-forget: runs the call of `{ service, rpc }` to completion and discards the responses.
   * Failures are logged (nobody may be listening) and also reach subscribers of the result.
   */
  override emit<TResult = any, TInput = any>(pattern: any, data: TInput): Observable<TResult> {
    const result = super.emit<TResult, TInput>(pattern, data);
    result.subscribe({
      error: (error: unknown) => this.logger.error(`emit ${describePattern(pattern)} failed: ${(error as Error)?.message ?? String(error)}`),
    });
    return result;
  }

  /**
   * `send({ service, rpc }, data)`: one call per subscription; `data` is the request, or for
   * client-streaming and bidi methods an Observable / AsyncIterable / array of requests (a single
   * message is sent as a one-message stream). Nest 12's dispatch-hook metadata becomes headers.
   */
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let response$: Observable<unknown>;
    try {
      const method = this.resolvePattern(packet.pattern);
      response$ = this.invoker.observe(method, this.toInput(method, packet.data), prepareCallOptions(undefined, this.invoker.config.defaults), {
        metadata: packetMetadata(packet),
      });
    } catch (err) {
      callback({ err });
      return () => undefined;
    }
    const subscription = response$.subscribe({
      next: (response) => callback({ response }),
      error: (err: unknown) => callback({ err }),
      complete: () => callback({ isDisposed: true }),
    });
    return () => subscription.unsubscribe();
  }

  /** The call behind `emit()`: resolves (with undefined) once it ended OK. */
  protected async dispatchEvent<T = any>(packet: ReadPacket): Promise<T> {
    const method = this.resolvePattern(packet.pattern);
    const options = prepareCallOptions(undefined, this.invoker.config.defaults);
    await lastValueFrom(this.invoker.observe(method, this.toInput(method, packet.data), options, { metadata: packetMetadata(packet) }), { defaultValue: undefined });
    return undefined as T;
  }

  private findService(name: string): ServiceDescriptor {
    const service = typeof name === 'string' ? this.protos.findService(name) : undefined;
    if (service) return service;
    const known = this.protos.services.map((s) => s.name).join(', ') || 'none';
    throw new Error(`TripleClient: no service "${String(name)}" in the loaded protos (known services: ${known})`);
  }

  private resolvePattern(pattern: unknown): MethodDescriptor {
    const { service, rpc } = (typeof pattern === 'object' && pattern !== null ? pattern : {}) as Partial<TripleClientPattern>;
    if (typeof service !== 'string' || typeof rpc !== 'string') {
      throw new Error(`TripleClient: the pattern must be { service, rpc }, got ${describePattern(pattern)}`);
    }
    const descriptor = this.findService(service);
    const method = descriptor.methods.find((m) => m.name === rpc) ?? descriptor.methods.find((m) => lowerCamel(m.name) === rpc);
    if (method) return method;
    throw new Error(`TripleClient: ${descriptor.name} has no method "${rpc}" (methods: ${descriptor.methods.map((m) => m.name).join(', ')})`);
  }

  private toInput(method: MethodDescriptor, data: unknown): unknown {
    if (!isStreamingRequest(method.kind)) return data;
    return isRequestStream(data) ? data : [data];
  }

  /** Nest 12's `setOnDispatchHook` for stub calls (send() runs it itself); absent on Nest 11. */
  private runDispatchHook(method: MethodDescriptor, input: unknown): Record<string, string> | undefined {
    const hook = (this as unknown as { onDispatchHook?: (packet: ReadPacket) => void }).onDispatchHook;
    if (typeof hook !== 'function') return undefined;
    const packet: ReadPacket = { pattern: { service: method.service, rpc: method.name }, data: input };
    hook(packet);
    return packetMetadata(packet);
  }

  private setState(state: TripleClientStatus): void {
    if (state === this.state) return;
    this.state = state;
    (this as unknown as { _status$?: { next(value: string): void } })._status$?.next(state);
    for (const listener of this.listeners.get(state) ?? []) {
      try {
        listener();
      } catch (error) {
        this.logger.error(`"${state}" listener failed: ${(error as Error)?.message ?? String(error)}`);
      }
    }
  }
}

/** Nest 12's `ReadPacket.metadata`; Nest 11 packets have none. */
function packetMetadata(packet: ReadPacket): Record<string, string> | undefined {
  return (packet as { metadata?: Record<string, string> }).metadata;
}

function describePattern(pattern: unknown): string {
  try {
    return JSON.stringify(pattern) ?? String(pattern);
  } catch {
    return String(pattern);
  }
}
