import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Cancellable, CancelSignal } from '../core/call-cancel.js';
import type { ClientCall, ClientResponseHead } from '../core/client-call.js';
import { Code } from '../core/code.js';
import type { IncomingHeaders } from '../core/metadata.js';
import { TripleError } from '../core/triple-error.js';
import { connectionError } from './h2-error.js';

/**
 * A ClientCall over one HTTP/1.1 request (Triple unary with `httpVersion: '1.1'`). HTTP/1.1 has
 * no stream reset: a cancel destroys the socket, which is how curl and browsers cancel too.
 */
export class H1ClientCall implements ClientCall, Cancellable {
  readonly response: Promise<ClientResponseHead>;
  readonly trailers: Promise<IncomingHeaders>;
  private resolveResponse!: (head: ClientResponseHead) => void;
  private resolveTrailers!: (trailers: IncomingHeaders) => void;
  private rejectAll!: (error: TripleError) => void;
  private res: IncomingMessage | undefined;
  private failure: TripleError | undefined;
  private connected = false;
  private completed = false;
  private notProcessed = false;
  private done = false;

  /**
   * @param connectTimeoutMs a new socket that does not connect in time fails the call UNAVAILABLE
   * @param onConnected reports a connected socket (the connector marks the address healthy)
   * @param onConnectError reports a failed connection attempt (the connector backs the address off)
   * @param onDone called once when the exchange is over (the connector tracks in-flight calls)
   */
  constructor(
    private readonly req: ClientRequest,
    readonly peer: string,
    private readonly cancellation: CancelSignal,
    connectTimeoutMs: number,
    private readonly onConnected: () => void,
    private readonly onConnectError: (error: TripleError) => void,
    private readonly onDone: (call: H1ClientCall) => void,
  ) {
    let rejectResponse!: (e: TripleError) => void;
    let rejectTrailers!: (e: TripleError) => void;
    this.response = new Promise((resolve, reject) => ((this.resolveResponse = resolve), (rejectResponse = reject)));
    this.trailers = new Promise((resolve, reject) => ((this.resolveTrailers = resolve), (rejectTrailers = reject)));
    this.response.catch(noop);
    this.trailers.catch(noop);
    this.rejectAll = (e) => (rejectResponse(e), rejectTrailers(e));
    req.on('socket', (socket) => {
      if (!socket.connecting) return this.markConnected();
      const timer = setTimeout(() => req.destroy(connectionError(`connecting to ${peer} timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
      timer.unref();
      socket.once('connect', () => (clearTimeout(timer), this.markConnected()));
      socket.once('close', () => clearTimeout(timer));
    });
    req.on('response', (res: IncomingMessage) => {
      this.res = res;
      res.on('aborted', () => this.fail(connectionError(`the connection to ${peer} was lost`)));
      res.on('error', (e) => this.fail(connectionError(`the connection to ${peer} was lost`, e)));
      res.on('end', () => {
        this.completed = true;
        this.resolveTrailers(res.trailers);
        this.finish();
      });
      this.resolveResponse({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', (e) => {
      // Nothing reached the server when the socket never connected, or when a reused
      // keep-alive socket turned out to be closed already (the classic keep-alive race).
      const unprocessed = !this.connected || (req.reusedSocket && !this.res && (e as NodeJS.ErrnoException).code === 'ECONNRESET');
      this.notProcessed = unprocessed;
      const error = connectionError(unprocessed ? `cannot connect to ${peer}` : `the connection to ${peer} was lost`, e);
      if (!this.connected) onConnectError(error);
      this.fail(error);
    });
    req.on('close', () => {
      if (!this.completed) this.fail(connectionError(`the connection to ${peer} closed before the response was complete`));
      this.finish();
    });
    if (cancellation.reason) this.cancel(cancellation.reason);
    else cancellation.subscribe(this);
  }

  get responseStarted(): boolean {
    return this.res !== undefined;
  }

  get unprocessed(): boolean {
    return this.notProcessed;
  }

  get body(): AsyncIterable<Uint8Array> {
    return this.readBody();
  }

  readAll(onChunk: (chunk: Uint8Array) => void): Promise<IncomingHeaders> {
    const res = this.res;
    if (!res) return this.response.then(() => this.readAll(onChunk));
    res.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      try {
        onChunk(chunk);
      } catch (e) {
        this.cancel(TripleError.from(e, Code.INTERNAL));
      }
    });
    return this.trailers;
  }

  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    if (this.req.write(chunk)) return undefined;
    return new Promise((resolve, reject) => {
      const onDrain = (): void => (this.req.off('close', onClose), resolve());
      const onClose = (): void => (this.req.off('drain', onDrain), reject(this.failure));
      this.req.once('drain', onDrain);
      this.req.once('close', onClose);
    });
  }

  end(last?: Uint8Array): void {
    if (this.req.writableEnded) return;
    if (last) this.req.end(last);
    else this.req.end();
  }

  cancel(reason: TripleError): void {
    if (this.completed || this.failure) return;
    this.fail(reason);
    this.req.destroy();
  }

  private async *readBody(): AsyncGenerator<Uint8Array> {
    const head = await this.response;
    void head;
    const res = this.res!;
    let finished = false;
    try {
      for await (const chunk of res) yield chunk as Buffer;
      finished = true;
      if (this.failure) throw this.failure;
    } catch (e) {
      throw this.failure ?? connectionError(`the connection to ${this.peer} was lost`, e);
    } finally {
      if (!finished) this.cancel(this.failure ?? new TripleError(Code.CANCELLED, 'the caller stopped reading the response'));
    }
  }

  private markConnected(): void {
    if (this.connected) return;
    this.connected = true;
    this.onConnected();
  }

  private fail(error: TripleError): void {
    if (this.failure || this.completed) return;
    this.failure = error;
    this.rejectAll(error);
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.cancellation.unsubscribe(this);
    this.onDone(this);
  }
}

function noop(): void {}
