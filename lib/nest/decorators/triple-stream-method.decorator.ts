import { TripleStreamingType } from '../constants.js';
import {
  createTripleMethodDecorator,
  type TripleMethodArgs,
  type TripleMethodOptions,
  type TripleRouteOptions,
} from './triple-method.decorator.js';

/**
 * Marks a client-streaming or bidi handler: the pattern `{service, rpc, streaming: 'rx_stream'}`
 * of `@GrpcStreamMethod`, same argument forms and defaults as `@TripleMethod`.
 *
 * The handler receives `(requests: Observable<Req>, ctx: TripleContext)`. The server starts
 * reading as soon as the call arrives, so messages sent while guards, interceptors and pipes run
 * are kept (up to the server's `maxPendingMessages`, after which reading pauses and HTTP/2 flow
 * control holds the client) and replayed to the first subscriber. Subscribe once: the stream is
 * single-subscriber (use `share()` to fan out). No `drainBuffer` wrapper is needed, unlike
 * `@GrpcStreamMethod`, so the decorated function is left as written.
 *
 * Return a single value / Promise / Observable (its first value) for client-streaming methods,
 * an Observable or AsyncIterable of responses for bidi ones.
 */
export function TripleStreamMethod(options?: TripleMethodOptions): MethodDecorator;
export function TripleStreamMethod(service: string | undefined, options?: TripleRouteOptions): MethodDecorator;
export function TripleStreamMethod(service: string | undefined, rpc: string | undefined, options?: TripleRouteOptions): MethodDecorator;
export function TripleStreamMethod(...args: TripleMethodArgs): MethodDecorator {
  return createTripleMethodDecorator(TripleStreamingType.RX_STREAMING, args, 'TripleStreamMethod');
}
