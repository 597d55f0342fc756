/**
 * Client-side figures: nestjs-triple's TripleClient vs a plain @grpc/grpc-js client, making
 * unary calls (`concurrency` in flight, closed loop) and consuming one long server stream,
 * against the same server. One JSON spec in argv[2], one JSON result line on stdout.
 */
import 'reflect-metadata';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { lastValueFrom, type Observable } from 'rxjs';
import { TripleClient } from '../../lib/index.js';
import { BENCH_PROTO } from '../common/paths.js';
import { sleep } from '../common/stats.js';

export type ClientKind = 'triple' | 'triple-iterable' | 'grpc-js';

export interface ClientSpec {
  client: ClientKind;
  target: string;
  payloadSize: number;
  /** Unary: calls in flight. */
  concurrency: number;
  unaryMs: number;
  warmupMs: number;
  /** Server stream: messages per call. */
  streamCount: number;
  rounds: number;
}

interface Msg {
  payload?: Uint8Array;
  count?: number;
}

/** What each client exposes to the loops below. */
interface Caller {
  unary(req: Msg): Promise<Msg>;
  /** Resolves with the number of messages received once the stream ends OK. */
  serverStream(req: Msg): Promise<number>;
  close(): Promise<void>;
}

interface ObservableService {
  unary(req: Msg): Observable<Msg>;
  serverStream(req: Msg): Observable<Msg>;
}

interface IterableService {
  unary(req: Msg): Promise<Msg>;
  serverStream(req: Msg): AsyncIterable<Msg>;
}

async function tripleCaller(target: string, iterable: boolean): Promise<Caller> {
  const client = new TripleClient({ url: target, protoPath: BENCH_PROTO, package: 'bench.v1' });
  await client.connect();
  if (iterable) {
    const svc = client.getService<IterableService>('BenchService', { iterable: true });
    return {
      unary: (req) => svc.unary(req),
      serverStream: async (req) => {
        let n = 0;
        for await (const _ of svc.serverStream(req)) n++;
        return n;
      },
      close: () => client.close(),
    };
  }
  const svc = client.getService<ObservableService>('BenchService');
  return {
    unary: (req) => lastValueFrom(svc.unary(req)),
    serverStream: (req) =>
      new Promise((resolve, reject) => {
        let n = 0;
        svc.serverStream(req).subscribe({ next: () => n++, error: reject, complete: () => resolve(n) });
      }),
    close: () => client.close(),
  };
}

function grpcJsCaller(target: string): Caller {
  const definition = protoLoader.loadSync(BENCH_PROTO, { longs: String, defaults: false });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  // A large retry buffer: grpc-js' default makes long streams of small messages crawl.
  const client = new pkg.bench.v1.BenchService(target, grpc.credentials.createInsecure(), {
    'grpc.per_rpc_retry_buffer_size': 256 * 1024 * 1024,
    'grpc.retry_buffer_size': 256 * 1024 * 1024,
  }) as grpc.Client & Record<string, Function>;
  return {
    unary: (req) =>
      new Promise((resolve, reject) => {
        client.unary!(req, (err: Error | null, res: Msg) => (err ? reject(err) : resolve(res)));
      }),
    serverStream: (req) =>
      new Promise((resolve, reject) => {
        let n = 0;
        const call = client.serverStream!(req) as grpc.ClientReadableStream<Msg>;
        call.on('data', () => n++);
        call.on('error', reject);
        call.on('status', (s: grpc.StatusObject) => (s.code === grpc.status.OK ? resolve(n) : reject(new Error(s.details))));
      }),
    close: async () => client.close(),
  };
}

async function unaryLoop(caller: Caller, req: Msg, concurrency: number, ms: number): Promise<number> {
  let calls = 0;
  const end = performance.now() + ms;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const res = await caller.unary(req);
      if ((res.payload?.byteLength ?? 0) !== req.payload!.byteLength || res.count !== req.count) throw new Error('verification failed: unary echo differs');
      calls++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return calls / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]!) as ClientSpec;
  const caller = spec.client === 'grpc-js' ? grpcJsCaller(spec.target) : await tripleCaller(spec.target, spec.client === 'triple-iterable');
  const req: Msg = { payload: Buffer.alloc(spec.payloadSize, 0x61), count: 3 };
  await unaryLoop(caller, req, spec.concurrency, spec.warmupMs);
  const unary: number[] = [];
  for (let r = 0; r < spec.rounds; r++) {
    unary.push(await unaryLoop(caller, req, spec.concurrency, spec.unaryMs));
    await sleep(50);
  }
  const streamReq: Msg = { payload: Buffer.alloc(spec.payloadSize, 0x61), count: spec.streamCount };
  await caller.serverStream({ ...streamReq, count: Math.min(20_000, spec.streamCount) });
  const stream: number[] = [];
  for (let r = 0; r < spec.rounds; r++) {
    const t0 = performance.now();
    const n = await caller.serverStream(streamReq);
    const seconds = (performance.now() - t0) / 1000;
    if (n !== spec.streamCount) throw new Error(`verification failed: server stream gave ${n} messages, expected ${spec.streamCount}`);
    stream.push(n / seconds);
    await sleep(50);
  }
  await caller.close();
  process.stdout.write(`${JSON.stringify({ result: { unary, stream } })}\n`);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
  process.exit(1);
});
