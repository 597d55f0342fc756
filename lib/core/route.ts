import type { ServiceKey } from './call-context.js';
import type { MethodDescriptor } from './method-descriptor.js';
import type { MethodHandler } from './method-handler.js';

/** What the router hands a protocol: the method, its implementation and the caller's service key. */
export interface ResolvedRoute {
  readonly method: MethodDescriptor;
  readonly handler: MethodHandler;
  /** Group and version the request asked for (tri-service-group / tri-service-version). */
  readonly serviceKey: ServiceKey;
}
