import { remainingMs, type AttemptInit } from '../../core/client-attempt.js';
import type { ClientCall, ClientConnector } from '../../core/client-call.js';
import type { UnaryResponse } from '../../core/client-transport.js';
import { Code } from '../../core/code.js';
import type { CodecName } from '../../core/codec.js';
import type { Compression } from '../../core/compression.js';
import { assertWriteSize, readSizeError } from '../../core/limits.js';
import { TripleError } from '../../core/triple-error.js';
import { tripleRequestHeaders } from './request-header.js';
import { bodyCompression, readTripleMetadata, tripleErrorFromResponse, validateTripleResponse } from './validate-response.js';

/** Per-transport Triple settings, resolved once from the client options. */
export interface TripleClientSettings {
  readonly codec: CodecName;
  /** Body compression; null = identity. */
  readonly compression: Compression | null;
  readonly acceptCompressions: readonly Compression[];
  /** `accept-encoding` value advertising `acceptCompressions`. */
  readonly acceptEncoding: string;
  readonly compressMinBytes: number;
  readonly readMaxBytes: number;
  readonly writeMaxBytes: number;
  readonly userAgent: string;
}

/**
 * One attempt of a Triple unary call (triple-wire.md §0.1): POST the raw message (compressed as
 * a whole via Content-Encoding when it is worth it), read the raw response body, and turn a
 * non-200 answer into the error its JSON body (or HTTP status) describes. Works over any
 * connector, so the same code runs on HTTP/2 and HTTP/1.1.
 */
export async function tripleUnaryCall<I, O>(
  connector: ClientConnector,
  settings: TripleClientSettings,
  init: AttemptInit,
  request: I,
): Promise<UnaryResponse<O>> {
  const { method, state } = init;
  let body: Uint8Array = method.input[settings.codec].encode(request);
  assertWriteSize(body.byteLength, settings.writeMaxBytes);
  let encoding: string | undefined;
  if (settings.compression && body.byteLength >= settings.compressMinBytes) {
    body = await settings.compression.compress(body);
    encoding = settings.compression.name;
  }
  const headers = tripleRequestHeaders({
    codec: settings.codec,
    timeoutMs: remainingMs(init.deadline),
    encoding,
    acceptEncoding: settings.acceptEncoding,
    userAgent: settings.userAgent,
    serviceKey: init.serviceKey,
    metadata: init.metadata,
  });
  let call: ClientCall;
  try {
    call = await connector.open({ path: method.path, headers, deadline: init.deadline, cancel: init.cancel });
  } catch (e) {
    state.unprocessed = true;
    throw TripleError.from(e, Code.UNAVAILABLE);
  }
  call.end(body);
  let status: number;
  let responseHeaders;
  try {
    ({ status, headers: responseHeaders } = await call.response);
  } catch (e) {
    state.unprocessed = call.unprocessed;
    throw TripleError.from(e, Code.UNAVAILABLE);
  }
  // A 200 commits the call; any other status is a final answer, like a gRPC trailers-only status.
  state.committed = status === 200;
  const raw = await readAll(call, settings.readMaxBytes);
  const httpTrailers = await call.trailers;
  if (status !== 200) {
    const compression = bodyCompression(responseHeaders, settings.acceptCompressions);
    const plain = 'value' in compression ? await decompress(raw, compression.value, settings.readMaxBytes).catch(() => undefined) : undefined;
    throw tripleErrorFromResponse(status, responseHeaders, plain);
  }
  const checked = validateTripleResponse(responseHeaders, settings.codec, settings.acceptCompressions);
  if ('error' in checked) throw checked.error;
  const plain = await decompress(raw, checked.value, settings.readMaxBytes);
  let message: O;
  try {
    message = method.output[settings.codec].decode(plain) as O;
  } catch (e) {
    const error = TripleError.from(e, Code.INTERNAL);
    throw new TripleError(Code.INTERNAL, error.rawMessage, { cause: error });
  }
  const meta = readTripleMetadata(responseHeaders, httpTrailers);
  if (!meta) throw new TripleError(Code.INTERNAL, 'protocol error: malformed binary metadata in the response headers');
  return { message, header: meta.header, trailer: meta.trailer };
}

/** Reads the whole body, refusing more than `maxBytes` (RESOURCE_EXHAUSTED, the call is reset). */
async function readAll(call: ClientCall, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  await call.readAll((chunk) => {
    total += chunk.byteLength;
    if (total > maxBytes) throw readSizeError(total, maxBytes);
    chunks.push(chunk);
  });
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

async function decompress(raw: Uint8Array, compression: Compression | null, maxBytes: number): Promise<Uint8Array> {
  if (!compression) return raw;
  try {
    return await compression.decompress(raw, maxBytes);
  } catch (e) {
    const error = TripleError.from(e, Code.INTERNAL);
    // Corrupt bytes from the server are its fault (INTERNAL); a size limit stays RESOURCE_EXHAUSTED.
    throw error.code === Code.INVALID_ARGUMENT ? new TripleError(Code.INTERNAL, error.rawMessage, { cause: error }) : error;
  }
}
