import { connect, type ClientHttp2Session } from 'node:http2';

export interface LatencyReport {
  count: number;
  errors: number;
  /** First few error descriptions, for assertion messages. */
  errorSamples: string[];
  p50: number;
  p99: number;
  max: number;
}

/** EchoRequest { message: "probe" } in a gRPC envelope. */
const ECHO_BODY = (() => {
  const msg = Buffer.from([0x0a, 5, ...Buffer.from('probe')]);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(msg.length, 1);
  return Buffer.concat([header, msg]);
})();

/**
 * A well-behaved client running beside an attack: `concurrency` loops of unary Echo calls over
 * one HTTP/2 connection for `durationMs`, or while `work` runs (at least `durationMs`), each call
 * timed from request to trailers. A call that fails, or does not end with grpc-status 0 within
 * `callTimeoutMs`, counts as an error.
 */
export async function measureLatency(address: string, durationMs: number, work?: Promise<unknown>, concurrency = 4, callTimeoutMs = 5000): Promise<LatencyReport> {
  const session = connect(`http://${address}`);
  session.on('error', () => undefined);
  const samples: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let workDone = work === undefined;
  void work?.then(() => (workDone = true), () => (workDone = true));
  const until = performance.now() + durationMs;
  const loop = async (): Promise<void> => {
    while (performance.now() < until || !workDone) {
      const start = performance.now();
      try {
        await echoOnce(session, callTimeoutMs);
        samples.push(performance.now() - start);
      } catch (e) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(String((e as Error).message ?? e));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
  } finally {
    session.close();
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number => (samples.length ? samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! : Infinity);
  return { count: samples.length, errors, errorSamples, p50: round(at(0.5)), p99: round(at(0.99)), max: round(samples.at(-1) ?? Infinity) };
}

function echoOnce(session: ClientHttp2Session, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (session.destroyed || session.closed) return reject(new Error('probe session is gone'));
    const stream = session.request({ ':method': 'POST', ':path': '/echo.v1.EchoService/Echo', 'content-type': 'application/grpc', te: 'trailers' });
    const timer = setTimeout(() => {
      stream.close();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let status: string | undefined;
    stream.on('response', (h) => (status ??= h['grpc-status'] as string | undefined));
    stream.on('trailers', (t) => (status = t['grpc-status'] as string | undefined));
    stream.on('error', () => undefined);
    stream.resume();
    stream.on('close', () => {
      clearTimeout(timer);
      if (status === '0') resolve();
      else reject(new Error(`grpc-status ${status}, rst ${stream.rstCode}`));
    });
    stream.end(ECHO_BODY);
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Samples the process' memory every 20 ms while `work` runs; returns the peaks above the starting values. */
export async function peakMemoryDuring<T>(work: Promise<T>): Promise<{ result: T; heapGrowthMb: number; rssGrowthMb: number }> {
  global.gc?.();
  const base = process.memoryUsage();
  let heapPeak = base.heapUsed + base.external;
  let rssPeak = base.rss;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    heapPeak = Math.max(heapPeak, m.heapUsed + m.external);
    rssPeak = Math.max(rssPeak, m.rss);
  }, 20);
  try {
    const result = await work;
    return {
      result,
      heapGrowthMb: Math.round(((heapPeak - base.heapUsed - base.external) / 2 ** 20) * 10) / 10,
      rssGrowthMb: Math.round(((rssPeak - base.rss) / 2 ** 20) * 10) / 10,
    };
  } finally {
    clearInterval(timer);
  }
}
