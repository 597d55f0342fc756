import type { CallContext, ProtocolName, ServiceKey } from './call-context.js';
import type { CallScope } from './call-scope.js';
import type { CodecName } from './codec.js';
import type { Metadata } from './metadata.js';
import type { MethodDescriptor } from './method-descriptor.js';
import type { ResolvedRoute } from './route.js';
import type { ServerCall } from './server-call.js';

/** The parts of a responder a CallContext exposes to the handler. */
export interface ResponseMetadataHolder {
  readonly responseHeader: Metadata;
  readonly responseTrailer: Metadata;
  readonly headersSent: boolean;
}

/**
 * The CallContext every protocol hands its handlers. A class rather than an object literal:
 * one small fixed-shape object per call whose getters read the scope and responder (so the
 * scope's AbortSignal is only created when a handler asks for `signal`).
 */
export class ServerCallContext implements CallContext {
  readonly method: MethodDescriptor;
  readonly serviceKey: ServiceKey;

  constructor(
    private readonly call: ServerCall,
    route: ResolvedRoute,
    readonly protocol: ProtocolName,
    readonly codec: CodecName,
    readonly requestMetadata: Metadata,
    private readonly scope: CallScope,
    private readonly responder: ResponseMetadataHolder,
  ) {
    this.method = route.method;
    this.serviceKey = route.serviceKey;
  }

  get httpVersion(): '1.1' | '2' {
    return this.call.httpVersion;
  }

  get peer(): string {
    return this.call.peer;
  }

  get deadline(): number | undefined {
    return this.scope.deadline;
  }

  get signal(): AbortSignal {
    return this.scope.signal;
  }

  get responseHeader(): Metadata {
    return this.responder.responseHeader;
  }

  get responseTrailer(): Metadata {
    return this.responder.responseTrailer;
  }

  get headersSent(): boolean {
    return this.responder.headersSent;
  }
}
