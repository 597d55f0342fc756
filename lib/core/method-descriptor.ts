import type { MessageCodecs } from './codec.js';

/** The four call kinds, named as gRPC names them. */
export type MethodKind = 'unary' | 'server_streaming' | 'client_streaming' | 'bidi_streaming';

/** `NO_SIDE_EFFECTS` methods may be called with Triple GET; `IDEMPOTENT` ones may be retried. */
export type IdempotencyLevel = 'IDEMPOTENCY_UNKNOWN' | 'NO_SIDE_EFFECTS' | 'IDEMPOTENT';

/** Everything the protocols need to know about one RPC, read from the .proto files. */
export interface MethodDescriptor {
  /** Package-qualified service name, e.g. `hero.v1.HeroService`. */
  readonly service: string;
  /** Service name without package, e.g. `HeroService`. */
  readonly serviceShortName: string;
  /** Proto method name, e.g. `FindOne`. */
  readonly name: string;
  /** `/hero.v1.HeroService/FindOne`. */
  readonly path: string;
  readonly kind: MethodKind;
  readonly idempotency: IdempotencyLevel;
  /** Fully-qualified request and response type names. */
  readonly inputType: string;
  readonly outputType: string;
  readonly input: MessageCodecs;
  readonly output: MessageCodecs;
}

export function isStreamingRequest(kind: MethodKind): boolean {
  return kind === 'client_streaming' || kind === 'bidi_streaming';
}

export function isStreamingResponse(kind: MethodKind): boolean {
  return kind === 'server_streaming' || kind === 'bidi_streaming';
}
