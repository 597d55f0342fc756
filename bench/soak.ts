/**
 * Soak test: N minutes (default 10) of mixed unary and streaming gRPC load against a real
 * TripleServer, then a verdict on whether memory and open handles stayed flat after warm-up.
 *
 *   node dist/bench/soak.js [--minutes N] [--concurrency C]
 *
 * The server runs on this thread (so heap and handle counts are the server's); the load runs on
 * a worker thread with its own event loop: unary Echo, server streams of 50, client streams
 * and bidi streams of 10 messages, over 4 connections that are replaced every 30 s (session
 * churn). Every 10 s a sample is printed; at the end the first and last thirds after warm-up are
 * compared. Exit code 1 when retained heap or active handles grew beyond the tolerance, or when
 * any call failed.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { connect, type ClientHttp2Session } from 'node:http2';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

interface Sample {
  atS: number;
  rssMb: number;
  heapMb: number;
  handles: number;
  connections: number;
  calls: number;
  errors: number;
}

interface LoadStats {
  calls: number;
  errors: number;
  lastError?: string;
}

const SAMPLE_EVERY_MS = 10_000;
/** Heap growth between the first and last third tolerated as noise, MiB. */
const HEAP_TOLERANCE_MB = 16;
const HANDLE_TOLERANCE = 10;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`--${name} must be a positive number`);
  return value;
}

async function main(): Promise<void> {
  const minutes = arg('minutes', 10);
  const concurrency = arg('concurrency', 16);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // Imported here so the worker thread does not load Nest.
  const { startEchoServer } = await import('../test/helpers/start-echo-server.js');
  const server = await startEchoServer({ maxConnectionIdleMs: 60_000 });
  const started = Date.now();
  const until = started + minutes * 60_000;
  const worker = new Worker(new URL(import.meta.url), { workerData: { address: server.address, until, concurrency } });
  let load: LoadStats = { calls: 0, errors: 0 };
  worker.on('message', (m: LoadStats) => (load = m));
  const finished = new Promise<void>((resolve, reject) => {
    worker.once('exit', () => resolve());
    worker.once('error', reject);
  });
  const samples: Sample[] = [];
  const sample = (): void => {
    gc();
    const m = process.memoryUsage();
    const s: Sample = {
      atS: Math.round((Date.now() - started) / 1000),
      rssMb: mb(m.rss),
      heapMb: mb(m.heapUsed + m.arrayBuffers),
      handles: process.getActiveResourcesInfo().length,
      connections: (server.server as unknown as { http?: { connectionCount: number } }).http?.connectionCount ?? 0,
      calls: load.calls,
      errors: load.errors,
    };
    samples.push(s);
    console.log(JSON.stringify(s));
  };
  const timer = setInterval(sample, Math.min(SAMPLE_EVERY_MS, (minutes * 60_000) / 6));
  await finished;
  clearInterval(timer);
  await server.close();

  // After warm-up (the first fifth) and while the load ran.
  const warm = samples.filter((s) => s.atS >= (minutes * 60) / 5 && s.atS < minutes * 60);
  const third = Math.max(1, Math.floor(warm.length / 3));
  const avg = (xs: Sample[], f: (s: Sample) => number): number => Math.round((xs.reduce((n, s) => n + f(s), 0) / xs.length) * 10) / 10;
  const first = warm.slice(0, third);
  const last = warm.slice(-third);
  const verdict = {
    minutes,
    calls: load.calls,
    errors: load.errors,
    lastError: load.lastError,
    callsPerSecond: Math.round(load.calls / (minutes * 60)),
    heapMb: { afterWarmUp: avg(first, (s) => s.heapMb), atEnd: avg(last, (s) => s.heapMb) },
    rssMb: { afterWarmUp: avg(first, (s) => s.rssMb), atEnd: avg(last, (s) => s.rssMb) },
    handles: { afterWarmUp: avg(first, (s) => s.handles), atEnd: avg(last, (s) => s.handles), afterClose: process.getActiveResourcesInfo().length },
    samples: samples.length,
  };
  const flat = verdict.heapMb.atEnd - verdict.heapMb.afterWarmUp <= HEAP_TOLERANCE_MB && verdict.handles.atEnd - verdict.handles.afterWarmUp <= HANDLE_TOLERANCE;
  console.log(JSON.stringify({ soak: verdict, flat, ok: flat && load.errors === 0 && load.calls > 0 }));
  process.exitCode = flat && load.errors === 0 && load.calls > 0 ? 0 : 1;
}

function mb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

// ---- load generator (worker thread) ----

const enum Kind {
  Unary,
  ServerStream,
  ClientStream,
  Bidi,
}

const PATHS = ['/echo.v1.EchoService/Echo', '/echo.v1.EchoService/EchoServerStream', '/echo.v1.EchoService/EchoClientStream', '/echo.v1.EchoService/EchoBidi'];

function envelope(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** EchoRequest { message, count }. */
function request(message: string, count: number): Buffer {
  const text = Buffer.from(message);
  return envelope(Buffer.concat([Buffer.from([0x0a, text.length]), text, Buffer.from([0x10, count])]));
}

async function runLoad({ address, until, concurrency }: { address: string; until: number; concurrency: number }): Promise<void> {
  const stats: LoadStats = { calls: 0, errors: 0 };
  let sessions: ClientHttp2Session[] = [];
  const open = (): ClientHttp2Session => {
    const s = connect(`http://${address}`);
    s.on('error', () => undefined);
    return s;
  };
  const rotate = (): void => {
    const old = sessions;
    sessions = Array.from({ length: 4 }, open);
    for (const s of old) s.close();
  };
  rotate();
  const rotation = setInterval(rotate, 30_000);
  const report = setInterval(() => parentPort!.postMessage({ ...stats }), 1000);
  const loop = async (id: number): Promise<void> => {
    for (let i = 0; Date.now() < until; i++) {
      const kind = (i + id) % 4 as Kind;
      try {
        await oneCall(sessions[(i + id) % sessions.length]!, kind);
        stats.calls++;
      } catch (e) {
        stats.errors++;
        stats.lastError = String((e as Error).message ?? e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => loop(id)));
  clearInterval(rotation);
  clearInterval(report);
  for (const s of sessions) s.close();
  parentPort!.postMessage({ ...stats });
}

function oneCall(session: ClientHttp2Session, kind: Kind): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': PATHS[kind]!, 'content-type': 'application/grpc', te: 'trailers' });
    let status: string | undefined;
    const timer = setTimeout(() => {
      stream.close();
      reject(new Error(`call ${PATHS[kind]} got no status in 10 s`));
    }, 10_000);
    stream.on('response', (h) => (status ??= h['grpc-status'] as string | undefined));
    stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
    stream.on('error', () => undefined);
    stream.resume();
    stream.on('close', () => {
      clearTimeout(timer);
      // A session rotated away under a call is refused before it started (REFUSED_STREAM): not a server fault.
      if (status === '0') resolve();
      else if (stream.rstCode === 7) resolve();
      else reject(new Error(`${PATHS[kind]}: grpc-status ${status}, rst ${stream.rstCode}`));
    });
    if (kind === Kind.Unary) stream.end(request('soak', 1));
    else if (kind === Kind.ServerStream) stream.end(request('soak', 50));
    else {
      for (let i = 0; i < 10; i++) stream.write(request(`m${i}`, i));
      stream.end();
    }
  });
}

if (isMainThread) void main();
else void runLoad(workerData as { address: string; until: number; concurrency: number });
