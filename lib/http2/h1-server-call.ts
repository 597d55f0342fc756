import type { IncomingMessage, ServerResponse } from 'node:http';
import { Code } from '../core/code.js';
import type { OutgoingHeaders } from '../core/metadata.js';
import type { RespondOptions, ServerCall } from '../core/server-call.js';
import { TripleError } from '../core/triple-error.js';
import { readBody } from './body-reader.js';

/**
 * A ServerCall over one HTTP/1.1 request. HTTP/1.1 has no trailers that browsers or curl show,
 * so protocols fold trailers into headers before responding; `end()`'s trailers are ignored.
 */
export class H1ServerCall implements ServerCall {
  readonly httpMethod: string;
  readonly path: string;
  readonly query: string;
  readonly httpVersion = '1.1' as const;
  readonly peer: string;
  private readonly abort = new AbortController();
  private finished = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.path = q < 0 ? url : url.slice(0, q);
    this.query = q < 0 ? '' : url.slice(q + 1);
    this.httpMethod = req.method ?? 'GET';
    this.peer = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    // 'close' on the response fires after a complete response too; only an early one is a cancel.
    res.on('close', () => {
      const early = !this.finished || !res.writableFinished;
      this.finished = true;
      if (early && !this.abort.signal.aborted) this.abort.abort(new TripleError(Code.CANCELLED, 'the client closed the connection'));
    });
  }

  get headers(): IncomingMessage['headers'] {
    return this.req.headers;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get body(): AsyncIterable<Uint8Array> {
    return readBody(this.req);
  }

  get pendingBytes(): number {
    return this.res.writableLength;
  }

  get closed(): boolean {
    return this.finished || this.res.destroyed;
  }

  drainBody(): void {
    if (!this.req.readableEnded) this.req.resume();
  }

  respond(status: number, headers: OutgoingHeaders, options?: RespondOptions): void {
    if (this.closed) return;
    this.res.writeHead(status, headers as Record<string, string | string[] | number>);
    if (options?.endStream) this.end();
  }

  write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.closed) return undefined;
    if (this.res.write(chunk)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        this.res.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        this.res.off('drain', onDrain);
        reject(new TripleError(Code.CANCELLED, 'the client closed the connection'));
      };
      this.res.once('drain', onDrain);
      this.res.once('close', onClose);
    });
  }

  end(last?: Uint8Array): void {
    if (this.closed) return;
    this.finished = true;
    if (last) this.res.end(last);
    else this.res.end();
    this.drainBody();
  }
}
