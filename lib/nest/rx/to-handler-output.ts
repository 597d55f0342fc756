import { isObservable } from 'rxjs';
import type { HandlerOutput } from '../../core/method-handler.js';
import { isAsyncIterable, isThenable } from '../../core/subscribable.js';

/**
 * Adapts what a Nest handler proxy resolved to into the core HandlerOutput, without subscribing
 * or pulling anything (the protocol layer does that, and stops it when the call is aborted):
 * - an Observable stays an Observable (the core pushes it and unsubscribes on abort);
 * - an AsyncIterable (e.g. an `async *` handler) stays one, so the core pulls it only as fast as
 *   the client reads;
 * - a Promise (thenable) is awaited and its value adapted the same way;
 * - anything else is the response value.
 *
 * With an interceptor or a pre-request hook in the chain, Nest wraps the handler's return in an
 * Observable of that value, so an `async *` handler arrives as an Observable *emitting* the
 * AsyncIterable: the core streams an emitted AsyncIterable's values in its place, pulled as
 * fast as the client reads (see sendStreamOutput), so no wrapper is needed here.
 * Errors are passed through unmapped (the server maps them).
 */
export function toHandlerOutput(result: unknown): HandlerOutput | Promise<HandlerOutput> {
  if (isObservable(result)) return result;
  if (isAsyncIterable(result)) return result;
  if (isThenable(result)) return Promise.resolve(result).then(toHandlerOutput);
  return result;
}
