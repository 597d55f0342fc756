import { deferred, remainingMs, type AttemptInit, type Deferred, type RequestSource, type StreamAttempt } from '../../core/client-attempt.js';
import type { ClientCall, ClientConnector } from '../../core/client-call.js';
import type { UnaryResponse } from '../../core/client-transport.js';
import { Code } from '../../core/code.js';
import type { Codec, CodecName } from '../../core/codec.js';
import type { Compression } from '../../core/compression.js';
import { encodeEnvelope, FLAG_COMPRESSED } from '../../core/envelope.js';
import { assertWriteSize } from '../../core/limits.js';
import { readMessages, type MessageReadOptions } from '../../core/message-reader.js';
import { Metadata } from '../../core/metadata.js';
import { RequestPump } from '../../core/request-pump.js';
import { TripleError } from '../../core/triple-error.js';
import { HEADER_GRPC_ENCODING } from './headers.js';
import { grpcRequestHeaders } from './request-header.js';
import { readError, readSingleResponse } from './single-response.js';
import { trailersToError } from './status-trailer.js';
import { readMetadata, validateGrpcResponse, type GrpcResponseStart } from './validate-response.js';

/** Per-transport gRPC settings, resolved once from the client options. */
export interface GrpcClientSettings {
  readonly codec: CodecName;
  /** Request compression; null = identity. */
  readonly compression: Compression | null;
  /** Response compressions we can decompress. */
  readonly acceptCompressions: readonly Compression[];
  /** `grpc-accept-encoding` value advertising `acceptCompressions`. */
  readonly acceptEncoding: string;
  readonly compressMinBytes: number;
  readonly readMaxBytes: number;
  readonly writeMaxBytes: number;
  readonly userAgent: string;
}

/** A gRPC exchange whose response head was validated: messages (if any) follow. */
interface OpenedCall {
  readonly call: ClientCall;
  readonly started: GrpcResponseStart;
  readonly pump: { stop(): void } | undefined;
}

/**
 * Runs one attempt of a gRPC call of any kind up to the response head: opens the exchange,
 * starts sending (one enveloped message + END_STREAM, or a RequestPump for request streams),
 * validates the head. Resolves with the messages still to read; rejects with the status when
 * the call ended already (trailers-only, HTTP error, connection failure). `init.state` records
 * what the retry decision needs.
 */
export async function startGrpcCall<I, O>(
  connector: ClientConnector,
  settings: GrpcClientSettings,
  init: AttemptInit,
  request: RequestSource<I>,
): Promise<StreamAttempt<O>> {
  const opened = await openGrpcCall(connector, settings, init, request);
  if ('ended' in opened) return endedAttempt<O>(opened.trailer);
  const { call, started, pump } = opened;
  const trailer = deferred<Metadata>();
  return {
    header: started.header,
    messages: readResponse(call, readOptions<O>(init, settings, started), trailer, pump),
    trailer: trailer.promise,
    cancel: (reason) => call.cancel(reason),
  };
}

/**
 * One attempt of a unary or client-streaming gRPC call: like startGrpcCall, but the single
 * response is read in one go (see readSingleResponse).
 */
export function grpcSingleCall<I, O>(
  connector: ClientConnector,
  settings: GrpcClientSettings,
  init: AttemptInit,
  request: RequestSource<I>,
): Promise<UnaryResponse<O>> {
  // Chained rather than awaited: one async frame less per call (they cost ~1 KB each).
  return openGrpcCall(connector, settings, init, request).then((opened) => {
    if ('ended' in opened) throw new TripleError(Code.UNIMPLEMENTED, 'protocol error: missing response message for a single-response method');
    return readSingleResponse(opened.call, opened.started.header, readOptions<O>(init, settings, opened.started), opened.pump);
  });
}

/**
 * The shared start of every gRPC call: resolves with the opened exchange, or with the trailers
 * of a call that ended OK in its head (trailers-only); rejects with any other outcome.
 */
async function openGrpcCall<I>(
  connector: ClientConnector,
  settings: GrpcClientSettings,
  init: AttemptInit,
  request: RequestSource<I>,
): Promise<OpenedCall | { readonly ended: true; readonly trailer: Metadata }> {
  const { method, state } = init;
  const timeoutMs = remainingMs(init.deadline);
  const headers = grpcRequestHeaders({
    codec: settings.codec,
    timeoutMs,
    encoding: settings.compression?.name,
    acceptEncoding: settings.acceptEncoding,
    userAgent: settings.userAgent,
    serviceKey: init.serviceKey,
    metadata: init.metadata,
  });
  const inputCodec = method.input[settings.codec];
  // Encode a single request before opening: an oversized message fails without a round trip.
  let single: Uint8Array | Promise<Uint8Array> | undefined = 'single' in request ? encodeMessage(request.single, inputCodec, settings) : undefined;
  if (single instanceof Promise) single = await single;
  let call: ClientCall;
  try {
    call = await connector.open({ path: method.path, headers, deadline: init.deadline, cancel: init.cancel });
  } catch (e) {
    state.unprocessed = true;
    throw TripleError.from(e, Code.UNAVAILABLE);
  }
  let pump: RequestPump<I> | undefined;
  if (single) call.end(single);
  else {
    pump = new RequestPump(call, (request as { stream: AsyncIterable<I> }).stream, (m) => encodeMessage(m, inputCodec, settings), state);
    pump.start();
  }
  let started: GrpcResponseStart;
  try {
    const checked = validateGrpcResponse(await call.response, settings.codec, settings.acceptCompressions);
    if ('error' in checked) throw checked.error;
    if ('ended' in checked.value) {
      // Trailers-only: the status is in the head. Read the (empty) rest so the stream closes
      // cleanly instead of being reset.
      pump?.stop();
      await call.readAll(noop).catch(noop);
      if (checked.value.error) throw checked.value.error;
      return { ended: true, trailer: checked.value.trailer };
    }
    started = checked.value;
  } catch (e) {
    state.unprocessed = call.unprocessed;
    pump?.stop();
    const error = TripleError.from(e, Code.INTERNAL);
    call.cancel(error);
    throw error;
  }
  state.committed = true;
  return { call, started, pump };
}

function readOptions<O>(init: AttemptInit, settings: GrpcClientSettings, started: GrpcResponseStart): MessageReadOptions<O> {
  return {
    readMaxBytes: settings.readMaxBytes,
    compression: started.compression,
    codec: init.method.output[settings.codec] as Codec<O>,
    encodingHeader: HEADER_GRPC_ENCODING,
  };
}

/** Frames one request message: size-checked, compressed when configured and worth it. */
function encodeMessage<I>(message: I, codec: Codec, settings: GrpcClientSettings): Uint8Array | Promise<Uint8Array> {
  const bytes = codec.encode(message);
  assertWriteSize(bytes.byteLength, settings.writeMaxBytes);
  const compression = settings.compression;
  if (compression && bytes.byteLength >= settings.compressMinBytes) {
    return compression.compress(bytes).then((z) => encodeEnvelope(FLAG_COMPRESSED, z));
  }
  return encodeEnvelope(0, bytes);
}

/**
 * Yields the response messages, then reads the status from the trailers. A malformed frame or
 * message is the server's fault: INVALID_ARGUMENT from the shared reader becomes INTERNAL, as
 * gRPC clients report it. Stopping early (or any failure) cancels the stream and the pump.
 */
async function* readResponse<O>(call: ClientCall, options: MessageReadOptions<O>, trailer: Deferred<Metadata>, pump: { stop(): void } | undefined): AsyncGenerator<O> {
  let settled = false;
  try {
    try {
      for await (const message of readMessages(call.body, options)) yield message;
    } catch (e) {
      throw readError(e);
    }
    const trailers = await call.trailers;
    settled = true;
    const status = trailersToError(trailers);
    if (status) throw status;
    trailer.resolve(readMetadata(trailers) ?? new Metadata());
  } catch (e) {
    settled = true;
    const error = TripleError.from(e, Code.INTERNAL);
    call.cancel(error);
    trailer.reject(error);
    throw error;
  } finally {
    pump?.stop();
    if (!settled) {
      const cancelled = new TripleError(Code.CANCELLED, 'the caller stopped reading the response');
      call.cancel(cancelled);
      trailer.reject(cancelled);
    }
  }
}

function endedAttempt<O>(trailer: Metadata): StreamAttempt<O> {
  return {
    header: new Metadata(),
    messages: (async function* () {})(),
    trailer: Promise.resolve(trailer),
    cancel: () => undefined,
  };
}

function noop(): void {}
