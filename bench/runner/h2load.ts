import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinned, start, stop } from './procs.js';

/** Finds h2load, installing Debian's nghttp2-client when it is missing (root, apt-get). */
export function ensureH2load(log: (s: string) => void): string {
  const found = spawnSync('sh', ['-c', 'command -v h2load'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  log('h2load not found: installing nghttp2-client with apt-get');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const apt = (args: string[]): boolean => spawnSync(sudo[0] ?? 'apt-get', [...(sudo.length ? ['apt-get'] : []), ...args], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  if (!apt(['install', '-y', 'nghttp2-client'])) {
    if (!apt(['update']) || !apt(['install', '-y', 'nghttp2-client'])) {
      throw new Error('h2load is missing and `apt-get install -y nghttp2-client` failed; install nghttp2-client (h2load) and retry');
    }
  }
  return execFileSync('sh', ['-c', 'command -v h2load'], { encoding: 'utf8' }).trim();
}

export interface H2loadSpec {
  url: string;
  body: Buffer;
  headers: Record<string, string>;
  connections: number;
  streams: number;
  durationS: number;
  warmupS: number;
}

export interface H2loadResult {
  reqPerSec: number;
  succeeded: number;
  failed: number;
  errored: number;
  status2xx: number;
  seconds: number;
}

/**
 * One h2load run (h2c prior knowledge, POST of `body`). Throws unless every request succeeded
 * with a 2xx; grpc-status is checked separately (h2load cannot see trailers).
 * `onWarm` is called when the warm-up is over (to start the server CPU measurement).
 */
export async function runH2load(h2load: string, cores: string | undefined, spec: H2loadSpec, onWarm?: () => void): Promise<H2loadResult> {
  const bodyFile = join(tmpdir(), `bench-h2load-${process.pid}.bin`);
  writeFileSync(bodyFile, spec.body);
  const args = [
    '-c', String(spec.connections),
    '-m', String(spec.streams),
    '-t', '1',
    '-D', String(spec.durationS),
    '--warm-up-time', `${Math.round(spec.warmupS * 1000)}ms`,
    '-d', bodyFile,
  ];
  for (const [k, v] of Object.entries(spec.headers)) args.push('-H', `${k}: ${v}`);
  args.push(spec.url);
  const [cmd, full] = pinned(cores, h2load, args);
  const child = start(cmd, full);
  const warm = setTimeout(() => onWarm?.(), spec.warmupS * 1000);
  let out = '';
  for (;;) {
    const next = await child.lines.next();
    if (next.done) break;
    out += `${next.value}\n`;
  }
  const code = await child.exited;
  clearTimeout(warm);
  await stop(child);
  const finished = /finished in ([\d.]+)(m?s), ([\d.]+) req\/s/.exec(out);
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (code !== 0 || !finished || !requests || !codes) {
    throw new Error(`h2load failed (exit ${code}): ${out.slice(-1500)} ${child.stderr().slice(-500)}`);
  }
  const result: H2loadResult = {
    reqPerSec: Number(finished[3]),
    seconds: Number(finished[1]) / (finished[2] === 'ms' ? 1000 : 1),
    succeeded: Number(requests[4]),
    failed: Number(requests[5]),
    errored: Number(requests[6]),
    status2xx: Number(codes[1]),
  };
  const other = Number(codes[2]) + Number(codes[3]) + Number(codes[4]);
  // h2load may count the last in-flight requests as succeeded without their status line.
  const slack = spec.connections * spec.streams;
  if (result.failed > 0 || result.errored > 0 || other > 0 || result.status2xx < result.succeeded - slack || result.status2xx === 0) {
    throw new Error(`h2load: not every request succeeded with 2xx: ${JSON.stringify(result)}\n${out.slice(-800)}`);
  }
  return result;
}
