import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** CPU cores for the server and for the load, or none when the machine has a single core. */
export interface Pinning {
  server: string | undefined;
  load: string | undefined;
}

/** `taskset -c <cores> cmd args` when pinning, else `cmd args`. */
export function pinned(cores: string | undefined, cmd: string, args: string[]): [string, string[]] {
  return cores === undefined ? [cmd, args] : ['taskset', ['-c', cores, cmd, ...args]];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process from /proc: current (VmRSS) and peak (VmHWM), MiB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    throw new Error(`process ${pid} is gone (crashed?)`);
  }
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

const TICKS = 100; // USER_HZ on Linux

/** User + system CPU seconds a process used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Whole-machine CPU counters (seconds, summed over cores) and this process plus its waited-for children. */
export function machineCpu(): { busy: number; total: number; ours: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  const self = readFileSync('/proc/self/stat', 'utf8');
  const f = self.slice(self.lastIndexOf(')') + 2).split(' ');
  const ours = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return { busy: busy / TICKS, total: (busy + idle + iowait) / TICKS, ours: ours / TICKS };
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Lines of stdout as they come. */
  lines: AsyncIterator<string>;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function start(cmd: string, args: string[], stdin: 'ignore' | 'pipe' = 'ignore'): Child {
  const proc = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
    if (err.length > 20_000) err = err.slice(-10_000);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  return { proc, pid: proc.pid!, lines, stderr: () => err, exited };
}

/** The next JSON line of a child's stdout (other lines are skipped), or an error on exit/timeout. */
export async function nextJson<T>(child: Child, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([child.lines.next(), timeout]);
      if (next.done) throw new Error(`${what}: exited without an answer. stderr: ${child.stderr().slice(-2000)}`);
      const line = next.value.trim();
      if (!line.startsWith('{')) continue;
      return JSON.parse(line) as T;
    }
  } finally {
    clearTimeout(timer);
  }
}

export async function stop(child: Child, graceMs = 3000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Runs a child to completion and returns its `{result}` line (throws its `{error}`). */
export async function runJson<T>(cmd: string, args: string[], timeoutMs: number, what: string): Promise<T> {
  const child = start(cmd, args);
  try {
    const out = await nextJson<{ result?: T; error?: string }>(child, timeoutMs, what);
    if (out.error !== undefined) throw new Error(`${what}: ${out.error}`);
    return out.result as T;
  } finally {
    await stop(child);
  }
}
