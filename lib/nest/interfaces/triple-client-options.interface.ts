import type { ClientTransportOptions } from '../../core/client-options.js';
import type { LoaderOptions } from '../../core/proto-loader.js';

/**
 * Options of {@link TripleClient} (and of each `TripleClientsModule` entry): the client
 * transport's options - target, protocol, codec, limits, keepalive, TLS, load balancing, retry,
 * interceptors, each documented with its default on ClientTransportOptions - plus where the
 * service definitions come from. The proto fields have the names of Nest's GrpcOptions, so a
 * `ClientsModule` gRPC config ports by moving `options` over.
 *
 * Call defaults (`timeout`, `group`, `version`) apply to every call that does not set its own in
 * TripleCallOptions; the client applies them itself so that one call can opt out of the default
 * deadline with `timeout: Infinity` (a long-lived server stream next to short unary calls).
 */
export interface TripleClientOptions extends ClientTransportOptions {
  /** .proto file(s) declaring the services to call. Required. */
  protoPath: string | string[];
  /** Proto package(s) whose services `getService` finds. Default: every service in the files. */
  package?: string | string[];
  /** How protos load and how messages look (same names and defaults as @grpc/proto-loader). */
  loader?: LoaderOptions;
  /**
   * Request-stream messages an Observable (client-streaming and bidi calls) may emit ahead of
   * what the connection can send. The call sends as HTTP/2 flow control allows; an Observable
   * cannot be paused, so what it emits meanwhile waits here, and one message more fails the call
   * with RESOURCE_EXHAUSTED instead of growing memory without bound (nestjs/nest #1434).
   * Pass an AsyncIterable or an array to be paced by the network instead. Default 1024.
   */
  maxBufferedRequests?: number;
}
