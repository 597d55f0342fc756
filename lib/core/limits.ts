import { Code } from './code.js';
import { TripleError } from './triple-error.js';

/**
 * Largest message accepted from a peer, after decompression: 4 MiB, the default of grpc-js,
 * grpc-go, grpc-java and the dubbo-go server, so a payload that works against any of them
 * works here too. Bounds the memory one request message can pin.
 */
export const DEFAULT_MAX_RECEIVE_MESSAGE_LENGTH = 4 * 1024 * 1024;

/**
 * Largest message we send: 0x7fffffff (int32 max), gRPC's "effectively unlimited" send default
 * (grpc-go `defaultServerMaxSendMessageSize = math.MaxInt32`, dubbo-go the same). A handler
 * producing bigger messages is almost certainly a bug, but the default does not second-guess it;
 * the peer's receive limit is the real guard.
 */
export const DEFAULT_MAX_SEND_MESSAGE_LENGTH = 0x7fffffff;

/**
 * Encoded bytes one stream may queue outbound while the peer is not reading (an Observable
 * pushes faster than HTTP/2 flow control drains). Past it the call fails with
 * RESOURCE_EXHAUSTED instead of growing the heap without bound.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * Written response chunks a server keeps for reuse (see ChunkPool): as much as one call may
 * buffer, so a burst that fills maxBufferedBytes finds the last burst's memory again.
 */
export const DEFAULT_RESPONSE_CHUNK_POOL_BYTES = DEFAULT_MAX_BUFFERED_BYTES;

/**
 * Messages smaller than this are sent uncompressed even when a compression was negotiated:
 * below ~1 KiB gzip's header and CPU cost outweigh the saving. 1024 is dubbo-js' and Connect's
 * `compressMinBytes` default.
 */
export const DEFAULT_COMPRESS_MIN_BYTES = 1024;

/**
 * Largest request header block (all metadata, HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE, counted as
 * RFC 7541 name + value + 32 per entry). References: grpc-java and gRPC C-core default to
 * 8 KiB (C-core rejects outright only above 16 KiB), Dubbo Java's Triple server to 32 KiB,
 * grpc-go to 16 MiB. We take 16 KiB: Dubbo Java consumers put every invocation attachment into
 * headers, so 8 KiB is tight for them, while 16 KiB still bounds memory per stream.
 */
export const DEFAULT_MAX_METADATA_SIZE = 16 * 1024;

/**
 * Rejects a received message (announced or decompressed size) above `max`. RESOURCE_EXHAUSTED
 * with the wording dubbo-go uses, so peers see the same text from every Triple server.
 */
export function assertReadSize(size: number, max: number): void {
  if (size > max) throw readSizeError(size, max);
}

/** The error {@link assertReadSize} throws, for callers that must deliver it later. */
export function readSizeError(size: number, max: number): TripleError {
  return new TripleError(Code.RESOURCE_EXHAUSTED, `message size ${size} is larger than configured max ${max}`);
}

/**
 * Rejects an outgoing message above `max` before it is framed, so an oversized response ends
 * the call with a clear status instead of being cut off by the peer.
 */
export function assertWriteSize(size: number, max: number): void {
  if (size > max) {
    throw new TripleError(Code.RESOURCE_EXHAUSTED, `message size ${size} exceeds maxSendMessageLength ${max}`);
  }
}
