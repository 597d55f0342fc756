/**
 * Transport id of TripleServer. Our decorators pass it to Nest's `MessagePattern`, and Nest's
 * ListenersController binds a handler to a server only when the two ids match, so in a hybrid
 * app (Triple next to TCP, Kafka or Nest's own gRPC) Triple handlers bind only to Triple.
 * A Symbol, not a `Transport` number, so it can never collide with a built-in transport.
 */
export const TRIPLE_TRANSPORT: unique symbol = Symbol('TRIPLE_TRANSPORT');

/**
 * Streaming kind in a handler pattern. The strings are those of Nest's
 * `GrpcMethodStreamingType`, so a pattern written for `@GrpcMethod` (`{service, rpc, streaming}`)
 * means the same thing here and gRPC controllers port by renaming the decorators.
 * There is no `pt_stream`: Triple has no raw-call (`@GrpcStreamCall`) handlers.
 */
export enum TripleStreamingType {
  /** Unary and server-streaming: the handler receives one request message. */
  NO_STREAMING = 'no_stream',
  /** Client-streaming and bidi: the handler receives an Observable of request messages. */
  RX_STREAMING = 'rx_stream',
}

/** The pattern every Triple handler registers under (Nest's pattern key). */
export interface TriplePattern {
  service: string;
  rpc: string;
  streaming: TripleStreamingType;
}

/**
 * Dubbo routing values a handler carries in Nest's pattern *extras* (MessagePattern's third
 * argument), not in the pattern: the pattern is Nest's handler key, while group/version are
 * a second routing dimension the server reads from `addHandler(pattern, cb, isEvent, extras)`.
 */
export interface TripleRouteExtras {
  group?: string;
  version?: string;
}

/** Extras key holding the Dubbo group of a handler. */
export const TRIPLE_GROUP_EXTRA = 'group';
/** Extras key holding the Dubbo version of a handler. */
export const TRIPLE_VERSION_EXTRA = 'version';

/**
 * Reflect-metadata key of the class-level options of `@TripleService` (on the class). Read by
 * tools and tests; the decorators already fold these defaults into each handler's pattern.
 */
export const TRIPLE_SERVICE_METADATA = 'triple:service';

/**
 * Reflect-metadata key (on the handler function) of what `@TripleMethod`/`@TripleStreamMethod`
 * were explicitly given. `@TripleService` runs after the method decorators and needs it to
 * tell an explicit service/group/version (kept) from a default (replaced by the class's).
 */
export const TRIPLE_METHOD_METADATA = 'triple:method';
