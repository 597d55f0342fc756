import type { CallScope } from '../../core/call-scope.js';
import type { Codec } from '../../core/codec.js';
import { FrameQueue } from '../../core/frame-queue.js';
import { assertWriteSize } from '../../core/limits.js';
import { Metadata, type OutgoingHeaders } from '../../core/metadata.js';
import type { ServerCall } from '../../core/server-call.js';
import type { TripleError } from '../../core/triple-error.js';
import { CONTENT_TYPE_EVENT_STREAM } from './content-type.js';
import { errorBodyJson, type ErrorBodyJson } from './error-body.js';
import { HEADER_ACCEPT_ENCODING, HEADER_CACHE_CONTROL, HEADER_CONTENT_TYPE } from './headers.js';
import type { StreamResponder } from '../../core/stream-output.js';
import { writeTripleError } from './triple-responder.js';

const DATA_PREFIX = Buffer.from('data: ');
const EVENT_END = Buffer.from('\n\n');

/** Per-call settings of an {@link SseResponder}. */
export interface SseResponderOptions {
  /** The response message's JSON codec: SSE is text, so events are JSON whatever the request codec. */
  readonly codec: Codec;
  readonly acceptEncoding: string;
  readonly writeMaxBytes: number;
  readonly maxBufferedBytes: number;
}

/**
 * A server stream as Server-Sent Events (`text/event-stream`), for plain HTTP clients (curl,
 * browsers, HTTP/1.1) that cannot speak gRPC — the form Dubbo Java's HTTP mode serves. Each
 * message is one `data:` event holding its proto3 JSON (which never contains a raw newline);
 * the stream ends with `event: status` whose data is `{"code":"ok","status":0}` or the Triple
 * error body, plus `"metadata"` for trailers. Until the first event the response is not
 * committed, so an early error is still a plain Triple error response with its HTTP status.
 */
export class SseResponder implements StreamResponder {
  readonly responseHeader = new Metadata();
  readonly responseTrailer = new Metadata();
  /** The call's scope, ended with the final status (aborted on errors). */
  scope: CallScope | undefined;
  private sentHeaders = false;
  private finished = false;
  private queue: FrameQueue | undefined;

  constructor(
    private readonly call: ServerCall,
    private readonly options: SseResponderOptions,
  ) {}

  get headersSent(): boolean {
    return this.sentHeaders;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  async send(message: unknown): Promise<void> {
    const event = this.event(message);
    if (this.finished) return;
    this.ensureHeaders();
    const pending = this.call.write(event);
    if (pending) await pending;
  }

  push(message: unknown): void {
    if (this.finished) return;
    const event = this.event(message);
    this.ensureHeaders();
    this.queue ??= new FrameQueue(this.call, this.options.maxBufferedBytes, (e) => this.finish(e));
    this.queue.push(event, event.byteLength);
  }

  get bufferedBytes(): number {
    return this.queue ? this.queue.bufferedBytes : 0;
  }

  flushed(): Promise<void> {
    return this.queue ? this.queue.whenIdle() : Promise.resolve();
  }

  finish(error?: TripleError): void {
    if (this.finished) return;
    this.finished = true;
    this.scope?.end(error);
    if (!this.sentHeaders && error) {
      writeTripleError(this.call, error, { acceptEncoding: this.options.acceptEncoding, header: this.responseHeader, trailer: this.responseTrailer });
      return;
    }
    if (this.call.closed) return;
    this.ensureHeaders();
    this.call.end(this.statusEvent(error));
  }

  /** One `data:` event: the message's JSON between the SSE prefix and the blank line. */
  private event(message: unknown): Buffer {
    const json = this.options.codec.encode(message);
    assertWriteSize(json.byteLength, this.options.writeMaxBytes);
    return Buffer.concat([DATA_PREFIX, json, EVENT_END], DATA_PREFIX.byteLength + json.byteLength + EVENT_END.byteLength);
  }

  private statusEvent(error: TripleError | undefined): Uint8Array {
    const status: ErrorBodyJson & { metadata?: Record<string, string | string[]> } = error ? errorBodyJson(error) : { code: 'ok', status: 0 };
    const trailer = error && error.metadata.size > 0 ? this.responseTrailer.clone().merge(error.metadata) : this.responseTrailer;
    if (trailer.size > 0) status.metadata = trailer.toJSON();
    return Buffer.from(`event: status\ndata: ${JSON.stringify(status)}\n\n`, 'utf8');
  }

  private ensureHeaders(): void {
    if (this.sentHeaders) return;
    this.sentHeaders = true;
    this.call.drainBody();
    const headers: OutgoingHeaders = {};
    this.responseHeader.writeTo(headers);
    headers[HEADER_CONTENT_TYPE] = CONTENT_TYPE_EVENT_STREAM;
    headers[HEADER_CACHE_CONTROL] = 'no-cache';
    headers[HEADER_ACCEPT_ENCODING] = this.options.acceptEncoding;
    this.call.respond(200, headers);
  }
}
