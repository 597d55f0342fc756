import { deferred, remainingMs, type AttemptInit, type Deferred, type RequestSource, type StreamAttempt } from '../../core/client-attempt.js';
import type { ClientCall, ClientConnector } from '../../core/client-call.js';
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
  const single = 'single' in request ? await encodeMessage(request.single, inputCodec, settings) : undefined;
  let call: ClientCall;
  try {
    call = await connector.open({ path: method.path, headers, deadline: init.deadline, signal: init.signal });
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
      await drain(call.body);
      if (checked.value.error) throw checked.value.error;
      return endedAttempt<O>(checked.value.trailer);
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
  const trailer = deferred<Metadata>();
  const readOptions: MessageReadOptions<O> = {
    readMaxBytes: settings.readMaxBytes,
    compression: started.compression,
    codec: method.output[settings.codec] as Codec<O>,
    encodingHeader: HEADER_GRPC_ENCODING,
  };
  return {
    header: started.header,
    messages: readResponse(call, readOptions, trailer, pump),
    trailer: trailer.promise,
    cancel: (reason) => call.cancel(reason),
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
      const error = TripleError.from(e, Code.INTERNAL);
      throw error.code === Code.INVALID_ARGUMENT ? new TripleError(Code.INTERNAL, error.rawMessage, { cause: error }) : error;
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

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  try {
    for await (const chunk of body) void chunk;
  } catch {
    // The status is already known; a reset after it changes nothing.
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
