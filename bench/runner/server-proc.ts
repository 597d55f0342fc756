import { join } from 'node:path';
import { DIST_BENCH, RESULTS_DIR } from '../common/paths.js';
import { sleep } from '../common/stats.js';
import type { AnyServerName } from './figures.js';
import { freePort, memoryOf, nextJson, pinned, start, stop, type Child } from './procs.js';

/**
 * One benchmarked server process, pinned to the server core. Its peak RSS (VmHWM) is sampled
 * every 200 ms, so the figure survives a crash; a crashed server can be restarted.
 */
export class ServerProc {
  child!: Child;
  target = '';
  /** Highest VmHWM seen over every process of this server, MiB. */
  peakMb = 0;
  crashes: string[] = [];
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    readonly name: AnyServerName,
    private readonly cores: string | undefined,
    private readonly profile: boolean,
  ) {}

  get pid(): number {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.proc.exitCode === null && this.child.proc.signalCode === null;
  }

  async start(): Promise<this> {
    const port = await freePort();
    const nodeArgs = this.profile ? ['--cpu-prof', '--cpu-prof-dir', join(RESULTS_DIR, 'profiles'), `--cpu-prof-name=${this.name}-${Date.now()}.cpuprofile`] : [];
    const [cmd, args] = pinned(this.cores, process.execPath, [...nodeArgs, join(DIST_BENCH, `servers/${this.name}-server.js`), String(port)]);
    this.child = start(cmd, args);
    const ready = await nextJson<{ ready?: boolean }>(this.child, 30_000, `${this.name} server start`);
    if (!ready.ready) throw new Error(`${this.name} server did not start`);
    this.target = `127.0.0.1:${port}`;
    this.sampler = setInterval(() => this.sample(), 200);
    await sleep(200);
    return this;
  }

  sample(): { rssMb: number; peakMb: number } | undefined {
    if (!this.alive) return undefined;
    try {
      const m = memoryOf(this.pid);
      this.peakMb = Math.max(this.peakMb, m.peakMb);
      return m;
    } catch {
      return undefined;
    }
  }

  /** Restarts the server when it died; returns why it died, or undefined when it was fine. */
  async reviveIfDead(): Promise<string | undefined> {
    if (this.alive) return undefined;
    clearInterval(this.sampler);
    const why = `${this.name} server exited (${this.child.proc.exitCode ?? this.child.proc.signalCode}): ${this.child.stderr().slice(-1500)}`;
    this.crashes.push(why);
    await this.start();
    return why;
  }

  async stop(): Promise<void> {
    this.sample();
    clearInterval(this.sampler);
    await stop(this.child);
  }
}
