/**
 * `npm run bench`: the same bench.v1.BenchService served by nestjs-triple, Nest's gRPC transport
 * and a raw node:http2 handler, one at a time, each in its own process pinned to one core; load
 * (h2load, or the raw-h2 Node client) pinned to another. Prints one table of medians and ratios
 * measured in this run, the PASS/FAIL of each target, and saves everything as JSON under
 * bench/results/. Options: see USAGE.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DIST_BENCH, PATH_UNARY, REPO_ROOT, RESULTS_DIR } from './common/paths.js';
import { median, sleep } from './common/stats.js';
import { encodeFrame } from './common/wire.js';
import type { LoadSpec, StreamRun } from './load/h2-client.js';
import type { ClientSpec } from './load/client-side.js';
import { BREAKDOWN_PAIRS, CLIENTS, SERVERS, type ClientName, type AnyServerName, type Measure, type ServerName } from './runner/figures.js';
import { ensureH2load, runH2load } from './runner/h2load.js';
import { cpuSecondsOf, machineCpu, memoryOf, nextJson, pinned, runJson, start, stop, type Pinning } from './runner/procs.js';
import { ServerProc } from './runner/server-proc.js';
import { evaluateTargets, renderReport, updateReadme, type BenchReport } from './runner/report.js';

const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [--servers triple,nest-grpc,raw-h2]
                      [--skip groups] [--profile] [--readme] [--from results.json]
  --quick     1 round, shorter durations (development)
  --rounds N  rounds per figure (default 3; the table shows medians)
  --servers   only these servers (ratios need all three)
  --skip      comma-separated groups to skip: h2load,latency,streams,hold,breakdown,client
  --profile   run the servers under node --cpu-prof (profiles in bench/results/profiles)
  --readme    write the table into README.md between <!-- bench:start --> and <!-- bench:end -->
  --from F    measure nothing: print (and with --readme, write) the report saved in F`;

interface Config {
  quick: boolean;
  rounds: number;
  servers: ServerName[];
  skip: Set<string>;
  profile: boolean;
  readme: boolean;
  h2loadSeconds: number;
  h2loadWarmup: number;
  latencyMs: number;
  streamTimeoutMs: number;
  ssCounts: Array<[number, number]>;
  bigCount: number;
  bigIterCount: number;
  bigRounds: number;
  csCount: number;
  bidiCount: number;
  holdConnections: number;
  holdStreams: number;
  clientUnaryMs: number;
  clientStreamCount: number;
}

function parseArgs(argv: string[]): Config {
  const has = (f: string): boolean => argv.includes(f);
  const value = (f: string): string | undefined => {
    const i = argv.indexOf(f);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (has('--help') || has('-h')) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = has('--quick');
  const rounds = Number(value('--rounds') ?? (quick ? 1 : 3));
  const servers = (value('--servers')?.split(',') ?? [...SERVERS]) as ServerName[];
  for (const s of servers) if (!SERVERS.includes(s)) throw new Error(`unknown server ${s}; known: ${SERVERS.join(', ')}`);
  return {
    quick,
    rounds,
    servers,
    skip: new Set(value('--skip')?.split(',') ?? []),
    profile: has('--profile'),
    readme: has('--readme'),
    h2loadSeconds: quick ? 2 : 5,
    h2loadWarmup: quick ? 0.5 : 1,
    latencyMs: quick ? 1000 : 3000,
    streamTimeoutMs: quick ? 3000 : 6000,
    // [messages, rounds]: more rounds for the short runs, whose timing is noisier.
    ssCounts: [[8_000, quick ? 3 : 3 * rounds], [128_000, rounds], [1_000_000, rounds]],
    // An Observable handler pushes everything at once: nestjs-triple holds at most
    // maxBufferedBytes (64 MiB by default) of it, so calls stay under that: 960 x 64 KiB = 60 MiB.
    bigCount: 960,
    bigIterCount: quick ? 2048 : 8192,
    bigRounds: quick ? 3 : 3 * rounds,
    csCount: quick ? 200_000 : 1_000_000,
    bidiCount: quick ? 50_000 : 200_000,
    holdConnections: 20,
    holdStreams: 500,
    clientUnaryMs: quick ? 1000 : 3000,
    clientStreamCount: quick ? 100_000 : 300_000,
  };
}

function pinning(): Pinning {
  const n = cpus().length;
  if (n < 2) return { server: undefined, load: undefined };
  // Server on core 0, load on core 1 (the machine the reference figures come from has 2 cores).
  return { server: '0', load: '1' };
}

const log = (s: string): void => void process.stderr.write(`${s}\n`);

class Runner {
  private readonly pins = pinning();
  private readonly h2load: string;
  readonly serverResults: Record<string, Record<string, Measure>> = {};
  readonly clientResults: Record<string, Record<string, Measure>> = {};
  readonly linearity: Record<string, Record<string, number | null>> = {};

  constructor(private readonly cfg: Config) {
    this.h2load = cfg.skip.has('h2load') ? '' : ensureH2load(log);
  }

  server(name: AnyServerName): Promise<ServerProc> {
    return new ServerProc(name, this.pins.server, this.cfg.profile).start();
  }

  private load<T>(spec: LoadSpec, timeoutMs: number, what: string): Promise<T> {
    const [cmd, args] = pinned(this.pins.load, process.execPath, [join(DIST_BENCH, 'load/h2-client.js'), JSON.stringify(spec)]);
    return runJson<T>(cmd, args, timeoutMs, what);
  }

  private set(server: AnyServerName, id: string, m: Measure): void {
    (this.serverResults[server] ??= {})[id] = m;
    const v = m.error ? `ERROR ${m.error.slice(0, 300)}` : `${m.median?.toFixed(1)} [${m.rounds.map((r) => r.toFixed(1)).join(', ')}]${m.partial ? ' (cut)' : ''}`;
    log(`  ${server} ${id}: ${v}`);
  }

  /**
   * Runs `fn`, recording an error Measure for `ids` when it throws, so one failure does not end
   * the run; a server that crashed meanwhile is restarted for the next figures.
   */
  private async guard(server: AnyServerName, ids: string[], fn: () => Promise<void>, srv?: ServerProc): Promise<void> {
    try {
      await fn();
    } catch (e) {
      let error = e instanceof Error ? e.message : String(e);
      const crash = await srv?.reviveIfDead();
      if (crash) error = `${crash} (while: ${error})`;
      for (const id of ids) this.set(server, id, { median: null, rounds: [], error });
    }
  }

  /**
   * Unary throughput with h2load, every server in turn: the servers are all up (idle but for the
   * one under load) and take their rounds alternately, so the host's drift over the run hits
   * each of them alike instead of whichever happened to run during a busy minute. Answers are
   * verified before, during and after (grpc-status in trailers).
   */
  private async unaryFigures(procs: ReadonlyArray<readonly [ServerName, ServerProc]>): Promise<void> {
    const figures: Array<{ id: string; json: boolean; size: number; cpuId?: string }> = [
      { id: 'unary_tiny', json: false, size: 16, cpuId: 'cpu_per_call' },
      { id: 'unary_1k', json: false, size: 1024 },
      { id: 'unary_json', json: true, size: 16 },
    ];
    for (const figure of figures) {
      const load = unaryLoad(figure.json, figure.size);
      const ids = figure.cpuId ? [figure.id, figure.cpuId] : [figure.id];
      const active: Array<readonly [ServerName, ServerProc]> = [];
      for (const [server, srv] of procs) {
        if (figure.json && server === 'nest-grpc') {
          this.set(server, figure.id, { median: null, rounds: [], error: 'not supported (gRPC only)' });
          continue;
        }
        await this.guard(server, ids, async () => {
          await this.load(verifySpec(srv.target, load, 0), 30_000, `${server} ${figure.id} verify`);
          active.push([server, srv]);
        }, srv);
      }
      const rates = new Map<ServerName, number[]>(active.map(([s]) => [s, []]));
      const cpu = new Map<ServerName, number[]>(active.map(([s]) => [s, []]));
      for (let r = 0; r < this.cfg.rounds; r++) {
        for (const [server, srv] of [...active]) {
          await this.guard(server, ids, async () => {
            try {
              const res = await this.h2loadRound(server, srv, load, figure.id);
              rates.get(server)!.push(res.reqPerSec);
              if (res.cpuUsPerCall !== undefined) cpu.get(server)!.push(res.cpuUsPerCall);
            } catch (e) {
              active.splice(active.findIndex(([s]) => s === server), 1);
              throw e;
            }
          }, srv);
        }
      }
      for (const [server, srv] of active) {
        await this.guard(server, ids, async () => {
          await this.load(verifySpec(srv.target, load, 0), 30_000, `${server} ${figure.id} verify after`);
          this.set(server, figure.id, { median: median(rates.get(server)!), rounds: rates.get(server)! });
          if (figure.cpuId) this.set(server, figure.cpuId, { median: median(cpu.get(server)!), rounds: cpu.get(server)!, note: 'server CPU seconds / calls, sampled from /proc over the measured window' });
        }, srv);
      }
    }
  }

  /** One h2load round against `srv`, with the server's CPU per call over the measured window. */
  private async h2loadRound(server: AnyServerName, srv: ServerProc, load: UnaryLoad, id: string): Promise<{ reqPerSec: number; cpuUsPerCall?: number }> {
    // A sample of answers checked while h2load runs (h2load counts HTTP 200, not grpc-status).
    const during = this.load(verifySpec(srv.target, load, (this.cfg.h2loadWarmup + this.cfg.h2loadSeconds / 2) * 1000), 60_000, `${server} ${id} verify under load`);
    let cpu0 = 0;
    let t0 = 0;
    const res = await runH2load(this.h2load, this.pins.load, {
      url: `http://${srv.target}${PATH_UNARY}`,
      body: load.body,
      headers: load.headers,
      connections: 10,
      streams: 100,
      durationS: this.cfg.h2loadSeconds,
      warmupS: this.cfg.h2loadWarmup,
    }, () => {
      try {
        cpu0 = cpuSecondsOf(srv.pid);
        t0 = performance.now();
      } catch {
        // the server died; the run fails below
      }
    });
    const cpuUsed = cpuSecondsOf(srv.pid) - cpu0;
    const measured = (performance.now() - t0) / 1000;
    await during;
    await sleep(300);
    return { reqPerSec: res.reqPerSec, cpuUsPerCall: t0 > 0 ? (cpuUsed / (res.reqPerSec * measured)) * 1e6 : undefined };
  }

  /**
   * Every server figure. The servers start together and take the unary, stream and latency
   * rounds in turn (one under load at a time); the open-streams figure uses a fresh process
   * per server.
   */
  async allServerFigures(servers: readonly ServerName[]): Promise<void> {
    const procs: Array<readonly [ServerName, ServerProc]> = [];
    try {
      for (const server of servers) procs.push([server, await this.server(server)]);
      if (!this.cfg.skip.has('h2load')) {
        log(`\n== unary (h2load), ${servers.join(', ')} in alternating rounds`);
        await this.unaryFigures(procs);
      }
      if (!this.cfg.skip.has('streams')) {
        log(`\n== streams, ${servers.join(', ')} in alternating rounds`);
        await this.streamFigures(procs);
      }
      if (!this.cfg.skip.has('latency')) {
        log(`\n== latency at one call in flight, ${servers.join(', ')} in alternating rounds`);
        await this.latencyFigures(procs);
      }
      while (procs.length > 0) {
        const [server, srv] = procs.shift()!;
        await this.stopWithPeakRss(server, srv);
      }
    } finally {
      for (const [, srv] of procs) await srv.stop();
    }
    if (!this.cfg.skip.has('hold')) for (const server of servers) await this.guard(server, ['rss_10k'], () => this.hold(server));
  }

  /**
   * Unary latency at one call in flight: every server in turn per round (like unaryFigures),
   * each round a fresh client connection warmed up for 500 ms, so a busy minute on the host
   * hits every server's p99 alike instead of the one whose rounds it happened to fall on.
   */
  private async latencyFigures(procs: ReadonlyArray<readonly [ServerName, ServerProc]>): Promise<void> {
    const cfg = this.cfg;
    const p50 = new Map<ServerName, number[]>(procs.map(([s]) => [s, []]));
    const p99 = new Map<ServerName, number[]>(procs.map(([s]) => [s, []]));
    const failed = new Set<ServerName>();
    for (let r = 0; r < cfg.rounds; r++) {
      for (const [server, srv] of procs) {
        if (failed.has(server)) continue;
        await this.guard(server, ['lat_p50', 'lat_p99'], async () => {
          try {
            const res = await this.load<{ rounds: Array<{ p50: number; p99: number }> }>(
              { mode: 'latency', target: srv.target, payloadSize: 16, warmupMs: 500, durationMs: cfg.latencyMs, rounds: 1 },
              cfg.latencyMs + 60_000,
              `${server} latency`,
            );
            for (const round of res.rounds) {
              p50.get(server)!.push(round.p50);
              p99.get(server)!.push(round.p99);
            }
          } catch (e) {
            failed.add(server);
            throw e;
          }
        }, srv);
      }
    }
    for (const [server] of procs) {
      if (failed.has(server)) continue;
      this.set(server, 'lat_p50', { median: median(p50.get(server)!), rounds: p50.get(server)! });
      this.set(server, 'lat_p99', { median: median(p99.get(server)!), rounds: p99.get(server)! });
    }
  }

  /** Stops a server of the alternating figures and records its peak RSS over them. */
  private async stopWithPeakRss(server: ServerName, srv: ServerProc): Promise<void> {
    await srv.stop();
    const note = `highest VmHWM of the server process(es) over its figures${srv.crashes.length ? `; crashed ${srv.crashes.length} time(s)` : ''}`;
    this.set(server, 'rss_peak', { median: srv.peakMb, rounds: [srv.peakMb], note });
  }

  /**
   * Unary CPU per call of each transport with and without Nest (diagnostic): the two servers of a
   * pair run side by side and take h2load rounds in turn, so the host's noise hits both alike.
   * Their difference is Nest's per-call pipeline.
   */
  async breakdownFigures(): Promise<void> {
    const load = unaryLoad(false, 16);
    for (const [bare, withNest] of BREAKDOWN_PAIRS) {
      log(`\n== ${bare} vs ${withNest} (breakdown, alternating rounds)`);
      const servers = [await this.server(bare), await this.server(withNest)] as const;
      try {
        await this.guard(bare, ['bd_cpu_per_call'], async () => {
          const cpu: [number[], number[]] = [[], []];
          for (const srv of servers) await this.load(verifySpec(srv.target, load, 0), 30_000, `${srv.name} breakdown verify`);
          for (let r = 0; r < this.cfg.rounds; r++) {
            for (const [i, srv] of servers.entries()) {
              const res = await this.h2loadRound(srv.name, srv, load, 'breakdown');
              if (res.cpuUsPerCall !== undefined) cpu[i]!.push(res.cpuUsPerCall);
            }
          }
          servers.forEach((srv, i) => this.set(srv.name, 'bd_cpu_per_call', { median: median(cpu[i]!), rounds: cpu[i]!, note: 'alternating rounds with its pair' }));
        });
      } finally {
        for (const srv of servers) await srv.stop();
      }
    }
  }

  /**
   * The stream figures, every server in turn per round (like unaryFigures): each job runs one
   * round's share of its calls on each server, and the runs are summed up at the end.
   */
  private async streamFigures(procs: ReadonlyArray<readonly [ServerName, ServerProc]>): Promise<void> {
    const cfg = this.cfg;
    const perRound = (total: number): number => Math.max(1, Math.ceil(total / cfg.rounds));
    const ssCounts = cfg.ssCounts.map(([count, total]) => [count, perRound(total)] as [number, number]);
    const serverStream = (payloadSize: number, counts: Array<[number, number]>, handler?: 'iterable') => (target: string): LoadSpec =>
      ({ mode: 'server-stream', target, payloadSize, counts, timeoutMs: cfg.streamTimeoutMs, handler });
    const upload = (mode: 'client-stream' | 'bidi', count: number) => (target: string): LoadSpec =>
      ({ mode, target, payloadSize: 32, count, rounds: 1, timeoutMs: cfg.streamTimeoutMs });
    const jobs: StreamJob[] = [
      { ids: ['ss_8k', 'ss_128k', 'ss_1m', 'ss_growth'], spec: serverStream(32, ssCounts), calls: ssCounts.reduce((n, [, r]) => n + r, 0) },
      { ids: ['ss_64k'], spec: serverStream(64 * 1024, [[cfg.bigCount, perRound(cfg.bigRounds)]]), calls: perRound(cfg.bigRounds) },
      // The pull-based form nestjs-triple also accepts: no buffering, no maxBufferedBytes bound.
      { ids: ['ss_1m_iter'], only: 'triple', spec: serverStream(32, [[1_000_000, 1]], 'iterable'), calls: 1 },
      { ids: ['ss_64k_iter'], only: 'triple', spec: serverStream(64 * 1024, [[cfg.bigIterCount, perRound(cfg.bigRounds)]], 'iterable'), calls: perRound(cfg.bigRounds) },
      { ids: ['cs'], spec: upload('client-stream', cfg.csCount), calls: 1 },
      { ids: ['bidi'], spec: upload('bidi', cfg.bidiCount), calls: 1 },
    ];
    const runs = new Map<string, StreamRun[]>();
    const failed = new Set<string>();
    const key = (server: string, job: StreamJob): string => `${server} ${job.ids[0]}`;
    for (let r = 0; r < cfg.rounds; r++) {
      for (const job of jobs) {
        for (const [server, srv] of procs) {
          if ((job.only && job.only !== server) || failed.has(key(server, job))) continue;
          await this.guard(server, job.ids, async () => {
            try {
              const res = await this.load<{ runs: Record<string, StreamRun[]> | StreamRun[] }>(
                job.spec(srv.target),
                (cfg.streamTimeoutMs + 5000) * (job.calls + 1) + 30_000,
                `${server} ${job.ids[0]}`,
              );
              const got = Array.isArray(res.runs) ? res.runs : Object.values(res.runs).flat();
              runs.set(key(server, job), [...(runs.get(key(server, job)) ?? []), ...got]);
            } catch (e) {
              failed.add(key(server, job));
              throw e;
            }
          }, srv);
        }
      }
    }
    for (const [server] of procs) {
      for (const job of jobs) {
        if ((job.only && job.only !== server) || failed.has(key(server, job))) continue;
        const got = runs.get(key(server, job)) ?? [];
        const id = job.ids[0]!;
        if (id === 'ss_8k') this.smallStreamFigures(server, got);
        else if (id === 'ss_64k' || id === 'ss_64k_iter') this.set(server, id, rates(got, (x) => x.bytes / 1e6 / x.seconds));
        else this.set(server, id, rates(got, (x) => x.messages / x.seconds));
      }
    }
  }

  /** Rates per count and how time per message grows with the count (1.0 = linear). */
  private smallStreamFigures(server: ServerName, runs: StreamRun[]): void {
    const ids = ['ss_8k', 'ss_128k', 'ss_1m'];
    const perMessage: number[] = [];
    this.cfg.ssCounts.forEach(([count], i) => {
      const ofCount = runs.filter((x) => x.count === count);
      this.set(server, ids[i]!, rates(ofCount, (x) => x.messages / x.seconds));
      const complete = ofCount.filter((x) => x.complete);
      perMessage.push(complete.length === ofCount.length && ofCount.length > 0 ? median(complete.map((x) => x.seconds)) / count : NaN);
    });
    // Worst ratio of time per message of a longer stream to that of a shorter one (1.0 = linear).
    let growth = 0;
    for (let a = 0; a < perMessage.length; a++) for (let b = a + 1; b < perMessage.length; b++) growth = Math.max(growth, perMessage[b]! / perMessage[a]!);
    this.linearity[server] = Object.fromEntries(this.cfg.ssCounts.map(([c], i) => [String(c), Number.isFinite(perMessage[i]!) ? perMessage[i]! * 1e9 : null]));
    if (Number.isFinite(growth)) this.set(server, 'ss_growth', { median: growth, rounds: [growth], note: 'max over count pairs of (time/msg of longer stream) / (time/msg of shorter)' });
    else this.set(server, 'ss_growth', { median: null, rounds: [], error: 'streams cut by the time budget' });
  }

  /** Peak RSS of a fresh server holding connections x streams open bidi calls. */
  private async hold(server: ServerName): Promise<void> {
    const cfg = this.cfg;
    const srv = await this.server(server);
    const target = srv.target;
    try {
      const idle = memoryOf(srv.pid).rssMb;
      const spec: LoadSpec = { mode: 'hold', target, payloadSize: 32, connections: cfg.holdConnections, streams: cfg.holdStreams };
      const [cmd, args] = pinned(this.pins.load, process.execPath, [join(DIST_BENCH, 'load/h2-client.js'), JSON.stringify(spec)]);
      const load = start(cmd, args, 'pipe');
      try {
        const held = await nextJson<{ held?: number; error?: string }>(load, 120_000, `${server} hold`);
        if (held.error) throw new Error(held.error);
        await sleep(500);
        const mem = memoryOf(srv.pid);
        load.proc.stdin!.write('release\n');
        const done = await nextJson<{ result?: { ok: number; total: number; held: number }; error?: string }>(load, 120_000, `${server} hold release`);
        if (done.error || !done.result) throw new Error(done.error ?? 'no result');
        const expected = cfg.holdConnections * cfg.holdStreams;
        if (done.result.held !== expected || done.result.ok !== expected) {
          throw new Error(`verification failed: ${done.result.held} of ${expected} streams were open, ${done.result.ok} ended with grpc-status 0`);
        }
        this.set(server, 'rss_10k', { median: mem.peakMb, rounds: [mem.peakMb], note: `idle ${idle.toFixed(0)} MB, current ${mem.rssMb.toFixed(0)} MB while holding` });
      } finally {
        await stop(load);
      }
    } finally {
      await srv.stop();
    }
  }

  /**
   * TripleClient vs grpc-js client against the raw http2 server (so the client is the
   * bottleneck). One client process per client and round, the clients in turn within each
   * round, so the host's drift hits them alike.
   */
  async clientFigures(): Promise<void> {
    const cfg = this.cfg;
    log('\n== client side (against the raw node:http2 server), clients in alternating rounds');
    const srv = await this.server('raw-h2');
    const target = srv.target;
    const unary = new Map<ClientName, number[]>(CLIENTS.map((c) => [c, []]));
    const stream = new Map<ClientName, number[]>(CLIENTS.map((c) => [c, []]));
    const errors = new Map<ClientName, string>();
    try {
      for (let r = 0; r < cfg.rounds; r++) {
        for (const client of CLIENTS) {
          if (errors.has(client)) continue;
          const spec: ClientSpec = {
            client,
            target,
            payloadSize: 16,
            concurrency: 100,
            unaryMs: cfg.clientUnaryMs,
            // A fresh process per round: warm up as long as the round lasts, so JIT has settled.
            warmupMs: cfg.clientUnaryMs,
            streamCount: cfg.clientStreamCount,
            rounds: 1,
          };
          const [cmd, args] = pinned(this.pins.load, process.execPath, [join(DIST_BENCH, 'load/client-side.js'), JSON.stringify(spec)]);
          try {
            const res = await runJson<{ unary: number[]; stream: number[] }>(cmd, args, cfg.clientUnaryMs * 2 + 80_000, `${client} client`);
            unary.get(client)!.push(...res.unary);
            stream.get(client)!.push(...res.stream);
            log(`  ${client} round ${r + 1}: unary ${res.unary.map((x) => x.toFixed(0)).join(', ')} calls/s, stream ${res.stream.map((x) => x.toFixed(0)).join(', ')} msgs/s`);
          } catch (e) {
            errors.set(client, e instanceof Error ? e.message : String(e));
          }
        }
      }
    } finally {
      await srv.stop();
    }
    for (const client of CLIENTS) {
      const error = errors.get(client);
      this.clientResults[client] = error
        ? { cl_unary: { median: null, rounds: [], error }, cl_stream: { median: null, rounds: [], error } }
        : {
            cl_unary: { median: median(unary.get(client)!), rounds: unary.get(client)! },
            cl_stream: { median: median(stream.get(client)!), rounds: stream.get(client)! },
          };
    }
  }
}

/** One stream figure (or group of figures) taken in alternating rounds; see streamFigures. */
interface StreamJob {
  readonly ids: string[];
  /** Only this server runs it (nestjs-triple's pull-based handler). */
  readonly only?: ServerName;
  /** The load spec of one round's share on a server. */
  readonly spec: (target: string) => LoadSpec;
  /** Calls in one round's share (for the time budget). */
  readonly calls: number;
}

interface UnaryLoad {
  json: boolean;
  payloadSize: number;
  body: Buffer;
  headers: Record<string, string>;
}

/** The request h2load repeats: gRPC (framed protobuf) or Triple JSON, with a payload of this size. */
function unaryLoad(json: boolean, payloadSize: number): UnaryLoad {
  const payload = Buffer.alloc(payloadSize, 0x61);
  const body = json ? Buffer.from(JSON.stringify({ payload: payload.toString('base64'), count: 7 })) : encodeFrame(payload, 7);
  const headers: Record<string, string> = json ? { 'content-type': 'application/json' } : { 'content-type': 'application/grpc', te: 'trailers' };
  return { json, payloadSize, body, headers };
}

/** A verifying client run: 50 calls checked for HTTP 200 and grpc-status 0, after `delayMs`. */
function verifySpec(target: string, load: UnaryLoad, delayMs: number): LoadSpec & { delayMs: number } {
  return { mode: 'verify', target, calls: 50, payloadSize: load.payloadSize, json: load.json, delayMs };
}

function rates(runs: StreamRun[], rate: (r: StreamRun) => number): Measure {
  const values = runs.filter((r) => r.seconds > 0 && r.messages > 0).map(rate);
  const partial = runs.some((r) => !r.complete);
  if (values.length === 0) return { median: null, rounds: [], error: 'no message arrived within the time budget' };
  return { median: median(values), rounds: values, partial, note: partial ? `cut after ${runs.find((r) => !r.complete)!.seconds.toFixed(1)} s with ${runs.find((r) => !r.complete)!.messages} of ${runs[0]!.count} messages` : undefined };
}

function writeReadme(text: string): void {
  const readme = join(REPO_ROOT, 'README.md');
  writeFileSync(readme, updateReadme(readFileSync(readme, 'utf8'), text));
  log('README.md updated between <!-- bench:start --> and <!-- bench:end -->');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const from = argv.indexOf('--from');
  if (from >= 0) {
    const report = JSON.parse(readFileSync(argv[from + 1]!, 'utf8')) as BenchReport;
    report.targets = evaluateTargets(report);
    const text = renderReport(report);
    process.stdout.write(`${text}\n`);
    if (argv.includes('--readme')) writeReadme(text);
    return;
  }
  const cfg = parseArgs(argv);
  const startedAt = new Date();
  const cpu0 = machineCpu();
  const load0 = loadavg();
  const runner = new Runner(cfg);
  await runner.allServerFigures(cfg.servers);
  if (!cfg.skip.has('breakdown') && !cfg.skip.has('h2load')) await runner.breakdownFigures();
  if (!cfg.skip.has('client')) await runner.clientFigures();
  const cpu1 = machineCpu();
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  const otherBusy = Math.max(0, cpu1.busy - cpu0.busy - (cpu1.ours - cpu0.ours));
  const report: BenchReport = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt: startedAt.toISOString(),
    seconds,
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadavgStart: load0,
      loadavgEnd: loadavg(),
      // CPU time used by processes other than the bench's during the run, as a share of all cores.
      otherLoadPercent: (otherBusy / Math.max(1e-9, cpu1.total - cpu0.total)) * 100,
      pinning: pinning(),
    },
    config: { ...cfg, skip: [...cfg.skip] },
    servers: runner.serverResults,
    clients: runner.clientResults,
    linearityNsPerMessage: runner.linearity,
    targets: [],
  };
  report.targets = evaluateTargets(report);
  const text = renderReport(report);
  process.stdout.write(`\n${text}\n`);
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(RESULTS_DIR, `bench-${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(`results saved to bench/results/bench-${stamp}.json (and latest.json)`);
  if (cfg.readme) writeReadme(text);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
