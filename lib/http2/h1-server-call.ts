import type { IncomingMessage, ServerResponse } from 'node:http';
import { Code } from '../core/code.js';
import type { OutgoingHeaders } from '../core/metadata.js';
import { settleFinishedBody, WholeBodyReader, type BodyReader, type CancelListener, type ChunkSink, type RespondOptions, type ServerCall } from '../core/server-call.js';
import { TripleError } from '../core/triple-error.js';

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
  private abort: AbortController | undefined;
  private cancelReason: TripleError | undefined;
  private cancelListener: CancelListener | undefined;
  private finished = false;
  /** Detaches the listeners of the readBody in progress. */
  private stopReading: (() => void) | undefined;

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
      if (early && !this.cancelReason) {
        this.cancelReason = new TripleError(Code.CANCELLED, 'the client closed the connection');
        this.abort?.abort(this.cancelReason);
        this.cancelListener?.onCallCancelled(this.cancelReason);
      }
    });
  }

  get headers(): IncomingMessage['headers'] {
    return this.req.headers;
  }

  get rawHeaders(): readonly string[] {
    return this.req.rawHeaders;
  }

  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.cancelReason) this.abort.abort(this.cancelReason);
    }
    return this.abort.signal;
  }

  setCancelListener(listener: CancelListener): void {
    this.cancelListener = listener;
    const reason = this.cancelReason;
    if (reason) queueMicrotask(() => listener.onCallCancelled(reason));
  }

  readBody(reader: BodyReader): void {
    const req = this.req;
    if (settleFinishedBody(req, reader, requestClosed)) return;
    const onData = (chunk: Buffer): void => {
      try {
        reader.onBodyChunk(chunk);
      } catch (e) {
        this.stopBody();
        reader.onBodyError(e);
      }
    };
    const onEnd = (): void => {
      this.stopReading?.();
      reader.onBodyEnd();
    };
    // 'close' (or 'error') before 'end' means the client went away mid-request.
    const onClose = (): void => {
      this.stopReading?.();
      reader.onBodyError(requestClosed());
    };
    this.stopReading = () => {
      this.stopReading = undefined;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onClose);
  }

  pauseBody(): void {
    if (this.stopReading) this.req.pause();
  }

  resumeBody(): void {
    if (this.stopReading) this.req.resume();
  }

  stopBody(): void {
    this.stopReading?.();
    this.drainBody();
  }

  readAll(sink: ChunkSink): Promise<void> {
    return new Promise<void>((resolve, reject) => this.readBody(new WholeBodyReader(sink, resolve, reject)));
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

  write(chunk: Uint8Array, onWritten?: () => void): Promise<void> | undefined {
    if (this.closed) {
      onWritten?.();
      return undefined;
    }
    if (onWritten ? this.res.write(chunk, () => onWritten()) : this.res.write(chunk)) return undefined;
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

function requestClosed(): TripleError {
  return new TripleError(Code.CANCELLED, 'the client cancelled the request stream');
}
