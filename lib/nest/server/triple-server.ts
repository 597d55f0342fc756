import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ChunkPool } from '../../core/chunk-pool.js';
import { loadProtos, type LoadedProtos } from '../../core/proto-loader.js';
import type { ServerHandlerOptions } from '../../core/server-options.js';
import { TripleHttpServer } from '../../http2/http-server.js';
import { createCallDispatcher } from '../../protocol/negotiate-protocol.js';
import { Router } from '../../protocol/router.js';
import { TRIPLE_GROUP_EXTRA, TRIPLE_TRANSPORT, TRIPLE_VERSION_EXTRA } from '../constants.js';
import { toTripleError } from '../exceptions/error-mapping.js';
import type { TripleServerOptions } from '../interfaces/triple-server-options.interface.js';
import { bindHandlers, type NestRoute } from './handler-binding.js';
import { ProcessingHooks, type ProcessingEndHook, type ProcessingStartHook } from './processing-hooks.js';
import { resolveServerOptions, type ResolvedServerOptions } from './server-options.js';

/** Lifecycle states pushed to `server.status`. */
export type TripleServerStatus = 'listening' | 'closing' | 'closed';

/**
 * Nest transport strategy serving gRPC (all four call kinds) and Triple on one port, on
 * node:http2 directly. Use with `NestFactory.createMicroservice(AppModule, { strategy: new TripleServer(options) })`.
 */
export class TripleServer extends Server<Record<string, Function>, TripleServerStatus> implements CustomTransportStrategy {
  override transportId: symbol = TRIPLE_TRANSPORT;
  protected override readonly logger = new Logger('TripleServer');
  private readonly resolved: ResolvedServerOptions;
  private readonly protos: LoadedProtos;
  private readonly routes: NestRoute[] = [];
  private readonly shutdown = new AbortController();
  private http: TripleHttpServer | undefined;
  private bound: AddressInfo | undefined;
  private readonly pendingListeners: Array<[string, Function]> = [];
  private readonly processingHooks = new ProcessingHooks(() => this.transportId);
  private readonly chunkPool: ChunkPool;

  constructor(private readonly options: TripleServerOptions) {
    super();
    this.resolved = resolveServerOptions(options);
    this.chunkPool = new ChunkPool(this.resolved.responseChunkPoolBytes, this.resolved.responseChunkPoolIdleMs);
    // Every in-flight call listens on this signal; thousands at once are normal, not a leak.
    setMaxListeners(0, this.shutdown.signal);
    this.protos = loadProtos({ protoPath: options.protoPath, package: options.package, loader: options.loader });
  }

  /** Records group/version with each handler, keyed so two versions of one method do not collide. */
  override addHandler(pattern: any, callback: MessageHandler, isEventHandler = false, extras: Record<string, any> = {}): void {
    const group: string | undefined = extras[TRIPLE_GROUP_EXTRA] || undefined;
    const version: string | undefined = extras[TRIPLE_VERSION_EXTRA] || undefined;
    const key = group || version ? { ...pattern, group, version } : pattern;
    super.addHandler(key, callback, isEventHandler, extras);
    if (!isEventHandler && typeof pattern === 'object' && pattern !== null) this.routes.push({ pattern, handler: callback, group, version });
  }

  /**
   * Nest's instrumentation seam (>= 11.1.4): the hook runs around every call's handler, which runs
   * inside its `done`. Kept by TripleServer too, so it also works on Nest versions without it.
   */
  override setOnProcessingStartHook(hook: ProcessingStartHook): void {
    this.processingHooks.start = hook;
    (Server.prototype as { setOnProcessingStartHook?: (h: unknown) => void }).setOnProcessingStartHook?.call(this, hook);
  }

  /** Runs once per call, when its processing is over (answered, stream finished, failed or aborted). */
  override setOnProcessingEndHook(hook: ProcessingEndHook): void {
    this.processingHooks.end = hook;
    (Server.prototype as { setOnProcessingEndHook?: (h: unknown) => void }).setOnProcessingEndHook?.call(this, hook);
  }

  async listen(callback: (err?: unknown, ...rest: unknown[]) => void): Promise<void> {
    try {
      const router = new Router(this.protos.methods);
      bindHandlers(this.routes, this.protos, router, this.resolved.maxPendingMessages, this.processingHooks);
      for (const method of router.unhandledMethods()) {
        this.logger.warn(`${method.path} has no handler; calls to it answer UNIMPLEMENTED`);
      }
      const handlerOptions: ServerHandlerOptions = {
        readMaxBytes: this.resolved.readMaxBytes,
        writeMaxBytes: this.resolved.writeMaxBytes,
        maxBufferedBytes: this.resolved.maxBufferedBytes,
        chunkPool: this.chunkPool,
        maxMetadataSize: this.resolved.http.maxHeaderListSize,
        compressMinBytes: this.resolved.compressMinBytes,
        maxPendingMessages: this.resolved.maxPendingMessages,
        compressions: this.resolved.compressions,
        requireProtocolHeader: this.resolved.requireProtocolHeader,
        shutdownSignal: this.shutdown.signal,
        mapError: (reason) => toTripleError(reason, this.logger),
      };
      this.http = new TripleHttpServer(this.resolved.http, createCallDispatcher(router, handlerOptions));
      for (const [event, cb] of this.pendingListeners) this.http.nativeServer.on(event, cb as (...args: unknown[]) => void);
      this.bound = await this.http.listen();
      this._status$.next('listening');
      callback();
    } catch (err) {
      callback(err);
    }
  }

  /** The bound address (useful with port 0). Undefined before listen(). */
  get address(): AddressInfo | undefined {
    return this.bound;
  }

  /** `host:port` clients can dial, after listen(). */
  get url(): string | undefined {
    if (!this.bound) return undefined;
    const host = this.bound.family === 'IPv6' ? `[${this.bound.address}]` : this.bound.address;
    return `${host}:${this.bound.port}`;
  }

  /**
   * Graceful close: GOAWAY to every client, then in-flight calls get `gracefulShutdownTimeout`
   * to finish; whatever still runs then ends with UNAVAILABLE and connections are dropped.
   */
  async close(): Promise<void> {
    const http = this.http;
    if (!http) return;
    this.http = undefined;
    this._status$.next('closing');
    const closed = http.close();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.resolved.gracefulShutdownTimeout)));
    const outcome = await Promise.race([closed, graceOver]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.shutdown.abort();
      // Let the UNAVAILABLE trailers reach the clients before the sockets go.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 100))]);
      http.destroyAll();
      await closed;
    }
    this.chunkPool.clear();
    this._status$.next('closed');
  }

  /** Subscribes to events of the underlying node server ('connection', 'error', ...). */
  on(event: string, callback: Function): void {
    if (this.http) this.http.nativeServer.on(event, callback as (...args: unknown[]) => void);
    else this.pendingListeners.push([event, callback]);
  }

  /** The underlying node server (net.Server for cleartext, tls.Server with `tls`). */
  unwrap<T>(): T {
    if (!this.http) throw new Error('TripleServer.unwrap() is available after listen()');
    return this.http.nativeServer as T;
  }
}
