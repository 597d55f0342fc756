import { count, map, range, type Observable } from 'rxjs';

/** bench.v1.BenchMessage as both Nest transports hand it to handlers. */
export interface BenchMessage {
  payload?: Uint8Array;
  count?: number;
}

/**
 * The handler bodies, shared by the nestjs-triple and the Nest gRPC controllers so that the
 * only difference between them is the transport (and its decorators). Idiomatic Nest: values
 * for unary, Observables for streams.
 */
export const benchLogic = {
  unary(req: BenchMessage): BenchMessage {
    return { payload: req.payload, count: req.count };
  },
  serverStream(req: BenchMessage): Observable<BenchMessage> {
    const payload = req.payload;
    return range(0, req.count ?? 0).pipe(map((i) => ({ payload, count: i })));
  },
  /** The pull-based form nestjs-triple also accepts: produced only as fast as the client reads. */
  async *serverStreamIterable(req: BenchMessage): AsyncIterable<BenchMessage> {
    const payload = req.payload;
    const n = req.count ?? 0;
    for (let i = 0; i < n; i++) yield { payload, count: i };
  },
  clientStream(requests: Observable<BenchMessage>): Observable<BenchMessage> {
    return requests.pipe(count(), map((n) => ({ count: n })));
  },
  bidi(requests: Observable<BenchMessage>): Observable<BenchMessage> {
    return requests.pipe(map((r) => ({ payload: r.payload, count: r.count })));
  },
};
