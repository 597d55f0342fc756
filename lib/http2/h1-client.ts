import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Backoff, type BackoffOptions } from '../core/backoff.js';
import { cancellableDelay } from '../core/call-cancel.js';
import type { ClientCall, ClientConnector, ClientRequestInit, ConnectorState } from '../core/client-call.js';
import type { ClientTlsOptions } from '../core/client-options.js';
import { Code } from '../core/code.js';
import { TripleError } from '../core/triple-error.js';
import type { AddressResolver } from './address-resolver.js';
import type { Endpoint } from './connect-session.js';
import { H1ClientCall } from './h1-client-call.js';
import { connectionError } from './h2-error.js';

export interface Http1ConnectorOptions {
  readonly tls: ClientTlsOptions | undefined;
  readonly loadBalancing: 'pick_first' | 'round_robin';
  readonly reconnectBackoff: BackoffOptions;
  /** Idle keep-alive sockets are closed after this long, ms (0 = Node's default). */
  readonly idleTimeoutMs: number;
  /** Time allowed for a new socket to connect, ms. */
  readonly connectTimeoutMs: number;
}

interface Address {
  readonly endpoint: Endpoint;
  readonly backoff: Backoff;
  /** Skipped by picks until this time (ms since epoch) after a failed connect. */
  failedUntil: number;
  lastError: TripleError | undefined;
}

/**
 * ClientConnector for Triple unary over HTTP/1.1: a keep-alive node:http(s) Agent pools the
 * sockets (idle ones are unref'd by Node, so they never hold a process open). Addresses come
 * from the same resolver as HTTP/2; an address whose connect failed is skipped for a backoff
 * period; pick_first / round_robin mean what they mean for HTTP/2.
 */
export class Http1Connector implements ClientConnector {
  private readonly agent: HttpAgent;
  private addresses: Address[] | undefined;
  private resolving: Promise<void> | undefined;
  private readonly inFlight = new Set<H1ClientCall>();
  private readonly listeners = new Set<(state: ConnectorState) => void>();
  private state: ConnectorState = 'disconnected';
  private rrIndex = 0;
  private closed = false;

  constructor(
    private readonly resolver: AddressResolver,
    private readonly options: Http1ConnectorOptions,
  ) {
    const agentOptions = { keepAlive: true, timeout: options.idleTimeoutMs || undefined };
    this.agent = options.tls ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  readonly sessionCount = 0;

  onStateChange(listener: (state: ConnectorState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async open(init: ClientRequestInit): Promise<ClientCall> {
    if (this.closed) throw connectionError('the client transport is closed');
    const address = await this.pick(init);
    const { endpoint } = address;
    const tls = this.options.tls;
    const request: RequestOptions = {
      host: endpoint.host,
      port: endpoint.port,
      method: 'POST',
      path: init.path,
      headers: Object.assign(init.headers, { host: endpoint.authority }),
      agent: this.agent,
    };
    if (tls) Object.assign(request, { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.rejectUnauthorized ?? true, servername: endpoint.servername });
    const req = (tls ? httpsRequest : httpRequest)(request);
    const call = new H1ClientCall(req, endpoint.key, init.cancel, this.options.connectTimeoutMs,
      () => this.markHealthy(address),
      (error) => this.markFailed(address, error),
      (done) => this.inFlight.delete(done));
    this.inFlight.add(call);
    return call;
  }

  async connect(): Promise<void> {
    await this.ensureResolved();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const cancelled = new TripleError(Code.CANCELLED, 'the client transport was closed');
    for (const call of this.inFlight) call.cancel(cancelled);
    this.agent.destroy();
    this.setState('closed');
  }

  private async pick(init: ClientRequestInit): Promise<Address> {
    for (;;) {
      const addresses = await this.ensureResolved();
      const now = Date.now();
      const healthy = addresses.filter((a) => a.failedUntil <= now);
      if (healthy.length > 0) {
        return this.options.loadBalancing === 'round_robin' ? healthy[this.rrIndex++ % healthy.length]! : healthy[0]!;
      }
      const failing = addresses.find((a) => a.lastError);
      if (init.deadline === undefined) throw failing?.lastError ?? connectionError('no address is reachable');
      // Wait for the first address to leave its backoff (the call's cancellation bounds the wait).
      const soonest = Math.min(...addresses.map((a) => a.failedUntil));
      await cancellableDelay(soonest - now, init.cancel);
      if (this.resolver.hasDnsTargets) this.addresses = undefined;
    }
  }

  private async ensureResolved(): Promise<Address[]> {
    if (this.addresses) return this.addresses;
    this.resolving ??= this.resolver.resolve().then((result) => {
      this.resolving = undefined;
      if (result.endpoints.length === 0) throw result.error ?? connectionError('the target resolved to no address');
      this.addresses = result.endpoints.map((endpoint) => ({
        endpoint, backoff: new Backoff(this.options.reconnectBackoff), failedUntil: 0, lastError: undefined,
      }));
    }, (e: unknown) => {
      this.resolving = undefined;
      throw e;
    });
    await this.resolving;
    return this.addresses!;
  }

  private markHealthy(address: Address): void {
    address.failedUntil = 0;
    address.lastError = undefined;
    address.backoff.reset();
    this.setState('connected');
  }

  private markFailed(address: Address, error: TripleError): void {
    address.failedUntil = Date.now() + address.backoff.next();
    address.lastError = error;
    if (this.addresses?.every((a) => a.failedUntil > Date.now())) this.setState('disconnected');
  }

  private setState(state: ConnectorState): void {
    if (this.state === state || this.state === 'closed') return;
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }
}
