import { GAPS } from './interop-data.js';
import { KnownGap } from './known-failing.js';

/**
 * What a TestService server (ours or a peer's, all in this process) saw of each call, so the
 * cancel and deadline cases assert the server side - the handler was told (its AbortSignal or
 * the library's equivalent) and stopped - not only the status the client got.
 */
export interface ObservedCall {
  readonly method: string;
  readonly startedAt: number;
  /** Request messages the handler received. */
  received: number;
  /** Response messages the handler produced. */
  sent: number;
  /** Set when the server told the handler the call is over early: status code (number) or a library word ('cancelled'). */
  aborted: number | string | undefined;
  /** The handler's work ended (finalize / finally / 'cancelled' cleanup ran). */
  stopped: boolean;
  /** The request's `x-interop-tag` metadata, which lets a case find its own call among stragglers. */
  tag?: string;
  /** How the call came in, as far as the server can tell. */
  via?: { protocol?: string; httpVersion?: string; codec?: string; contentType?: string };
}

/** Request metadata key a case may set so the server-side record of its call can be told apart. */
export const TAG_KEY = 'x-interop-tag';

export class ServerObserver {
  calls: ObservedCall[] = [];

  reset(): void {
    this.calls = [];
  }

  start(method: string): ObservedCall {
    const call: ObservedCall = { method, startedAt: Date.now(), received: 0, sent: 0, aborted: undefined, stopped: false };
    this.calls.push(call);
    return call;
  }

  /** The last call of `method` (with `tag`, when given), if any. */
  last(method: string, tag?: string): ObservedCall | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--) {
      const call = this.calls[i]!;
      if (call.method === method && (tag === undefined || call.tag === tag)) return call;
    }
    return undefined;
  }

  /** Resolves once `predicate` holds (polling every 5 ms); rejects with `what` after `ms`. */
  async waitFor(what: string, predicate: () => boolean, ms = 3000): Promise<void> {
    const until = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > until) throw new Error(`server side: ${what} did not happen within ${ms} ms (calls: ${JSON.stringify(this.calls)})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Waits for a call of `method` (tagged `tag`, when given) to have started on the server; returns it. */
  async started(method: string, tag?: string, ms = 3000): Promise<ObservedCall> {
    await this.waitFor(`a ${method} call${tag ? ` tagged ${tag}` : ''} starting`, () => this.last(method, tag) !== undefined, ms);
    return this.last(method, tag)!;
  }
}

/**
 * Waits (up to `ms`) until the server both told the handler the call is over with one of
 * `codes` and the handler stopped. A handler that instead completed normally without any abort
 * is the documented gap `cancel-reads-as-half-close`; anything else is a plain failure.
 */
export async function expectServerAbort(observer: ServerObserver, call: ObservedCall, codes: ReadonlyArray<number | string>, ms = 1500): Promise<void> {
  const ok = (): boolean => call.stopped && call.aborted !== undefined && codes.includes(call.aborted);
  try {
    await observer.waitFor(`${call.method} aborted with ${codes.join(' or ')} and stopped`, ok, ms);
  } catch (error) {
    if (call.stopped && call.aborted === undefined) {
      throw new KnownGap(GAPS.cancelReadsAsHalfClose, `${call.method}: the handler completed normally (received ${call.received}, sent ${call.sent}) and was never aborted`);
    }
    throw error;
  }
}
