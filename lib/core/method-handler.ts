import type { CallContext } from './call-context.js';
import type { Subscribable } from './subscribable.js';

/**
 * What a handler may produce. Unary and client-streaming methods use the first value of a
 * stream result (or the plain value); streaming responses send every value.
 * - a plain value (or undefined for an empty message),
 * - an AsyncIterable: pulled only as fast as the peer reads (HTTP/2 flow control),
 * - a Subscribable (RxJS Observable): pushed; the protocol buffers encoded bytes up to
 *   `maxBufferedBytes` while the transport is not draining, then fails the call.
 */
export type HandlerOutput<O = unknown> = O | AsyncIterable<O> | Subscribable<O> | undefined;

/**
 * The request side handed to a handler: one decoded message for unary and server-streaming
 * methods, a pull-based AsyncIterable of decoded messages for client-streaming and bidi.
 * Not consuming the iterable stops reading from the socket (backpressure).
 */
export type HandlerInput<I = unknown> = I | AsyncIterable<I>;

/**
 * The server's contract with a method implementation (the Nest layer provides it). It may
 * throw or reject; any rejection becomes the call's status through TripleError.from, with
 * `mapError` (if given by the server) translating framework exceptions first.
 */
export type MethodHandler = (input: HandlerInput, ctx: CallContext) => HandlerOutput | Promise<HandlerOutput>;
