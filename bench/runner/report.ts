import { BREAKDOWN_PAIRS, CLIENT_FIGURES, CLIENT_LABELS, CLIENTS, SERVER_FIGURES, SERVER_LABELS, SERVERS, type FigureDef, type Measure } from './figures.js';

export interface TargetResult {
  target: string;
  status: 'PASS' | 'FAIL' | 'N/A';
  detail: string;
}

export interface BenchReport {
  command: string;
  startedAt: string;
  seconds: number;
  machine: {
    cpus: number;
    model: string;
    node: string;
    loadavgStart: number[];
    loadavgEnd: number[];
    otherLoadPercent: number;
    pinning: { server: string | undefined; load: string | undefined };
  };
  config: Record<string, unknown>;
  servers: Record<string, Record<string, Measure>>;
  clients: Record<string, Record<string, Measure>>;
  linearityNsPerMessage: Record<string, Record<string, number | null>>;
  targets: TargetResult[];
}

function value(group: Record<string, Record<string, Measure>>, who: string, id: string): Measure | undefined {
  const m = group[who]?.[id];
  return m && m.median !== null && Number.isFinite(m.median) ? m : undefined;
}

export function evaluateTargets(r: BenchReport): TargetResult[] {
  const out: TargetResult[] = [];
  /** this / that >= min (or <= max), with both measured in this run. */
  const ratio = (target: string, a: Measure | undefined, b: Measure | undefined, bound: { min?: number; max?: number }, what: string): void => {
    if (!a || !b) {
      out.push({ target, status: 'N/A', detail: `not measured (${!a ? 'nestjs-triple' : what} missing)` });
      return;
    }
    const x = a.median! / b.median!;
    const ok = bound.min !== undefined ? x >= bound.min : x <= bound.max!;
    const cut = [a.partial ? 'nestjs-triple' : '', b.partial ? what : ''].filter(Boolean);
    const note = cut.length ? `; ${cut.join(' and ')} cut by the time budget (rate over what arrived)` : '';
    out.push({ target, status: ok ? 'PASS' : 'FAIL', detail: `${x.toFixed(2)}x (${fmt(a.median!, 1)} vs ${fmt(b.median!, 1)})${note}` });
  };
  const s = (who: string, id: string): Measure | undefined => value(r.servers, who, id);
  const c = (who: string, id: string): Measure | undefined => value(r.clients, who, id);
  ratio('unary gRPC req/s, tiny >= 2.0x Nest gRPC', s('triple', 'unary_tiny'), s('nest-grpc', 'unary_tiny'), { min: 2.0 }, 'Nest gRPC');
  ratio('unary gRPC req/s, tiny >= 0.85x raw node:http2', s('triple', 'unary_tiny'), s('raw-h2', 'unary_tiny'), { min: 0.85 }, 'raw');
  ratio('unary gRPC req/s, 1 KiB >= 2.0x Nest gRPC', s('triple', 'unary_1k'), s('nest-grpc', 'unary_1k'), { min: 2.0 }, 'Nest gRPC');
  ratio('unary gRPC req/s, 1 KiB >= 0.85x raw node:http2', s('triple', 'unary_1k'), s('raw-h2', 'unary_1k'), { min: 0.85 }, 'raw');
  ratio('Triple JSON unary req/s >= 2.0x Nest gRPC (its tiny gRPC unary)', s('triple', 'unary_json'), s('nest-grpc', 'unary_tiny'), { min: 2.0 }, 'Nest gRPC');
  ratio('Triple JSON unary req/s >= 0.85x raw node:http2 (JSON)', s('triple', 'unary_json'), s('raw-h2', 'unary_json'), { min: 0.85 }, 'raw');
  ratio('server-stream 1M x 32 B msgs/s >= 0.5x raw node:http2', s('triple', 'ss_1m'), s('raw-h2', 'ss_1m'), { min: 0.5 }, 'raw');
  const growth = s('triple', 'ss_growth');
  out.push(growth
    ? { target: 'server-stream time grows linearly (8k, 128k, 1M: time/msg within 20%)', status: growth.median! <= 1.2 ? 'PASS' : 'FAIL', detail: `worst growth ${growth.median!.toFixed(2)}x (ns/msg: ${Object.values(r.linearityNsPerMessage.triple ?? {}).map((v) => (v === null ? 'cut' : v.toFixed(0))).join(' / ')})` }
    : { target: 'server-stream time grows linearly (8k, 128k, 1M: time/msg within 20%)', status: 'N/A', detail: 'not measured' });
  ratio('bidi echo msgs/s >= 0.4x raw node:http2', s('triple', 'bidi'), s('raw-h2', 'bidi'), { min: 0.4 }, 'raw');
  ratio('client-stream msgs/s >= 1.5x Nest gRPC', s('triple', 'cs'), s('nest-grpc', 'cs'), { min: 1.5 }, 'Nest gRPC');
  ratio('server-stream 64 KiB MB/s >= 0.9x raw node:http2', s('triple', 'ss_64k'), s('raw-h2', 'ss_64k'), { min: 0.9 }, 'raw');
  ratio('unary p99 latency at 1 in flight <= Nest gRPC', s('triple', 'lat_p99'), s('nest-grpc', 'lat_p99'), { max: 1.0 }, 'Nest gRPC');
  ratio('TripleClient unary calls/s >= 1.5x @grpc/grpc-js client', c('triple', 'cl_unary'), c('grpc-js', 'cl_unary'), { min: 1.5 }, 'grpc-js');
  ratio('peak RSS over the run <= 1.3x raw node:http2', s('triple', 'rss_peak'), s('raw-h2', 'rss_peak'), { max: 1.3 }, 'raw');
  ratio('RSS with 10,000 open streams <= 1.3x raw node:http2', s('triple', 'rss_10k'), s('raw-h2', 'rss_10k'), { max: 1.3 }, 'raw');
  return out;
}

function fmt(v: number, digits: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(m: Measure | undefined, def: FigureDef, notes: string[], who: string): string {
  if (!m) return '-';
  if (m.median === null || !Number.isFinite(m.median)) {
    if (m.error?.startsWith('not supported')) return 'n/a';
    if (m.error?.startsWith('streams cut')) return 'cut';
    notes.push(`${who} ${def.id}: ${m.error}`);
    return 'error';
  }
  return `${fmt(m.median, def.digits)}${m.partial ? '*' : ''}`;
}

function ratioCell(a: Measure | undefined, b: Measure | undefined, mark = ''): string {
  if (!a || !b || a.median === null || b.median === null || !b.median) return '-';
  return `${(a.median / b.median).toFixed(2)}x${mark}`;
}

export function renderReport(r: BenchReport): string {
  const lines: string[] = [];
  const notes: string[] = [];
  const m = r.machine;
  lines.push(`Command: \`${r.command}\` — ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(r.seconds)} s.`);
  const pin = m.pinning.server === undefined ? 'no pinning (single core)' : `server pinned to core ${m.pinning.server}, load to core ${m.pinning.load}`;
  lines.push(`Machine: ${m.cpus} x ${m.model}, Node ${m.node}; ${pin}. Other processes used ${m.otherLoadPercent.toFixed(0)}% of the machine's CPU during the run (load average ${m.loadavgStart[0]!.toFixed(2)} at start, ${m.loadavgEnd[0]!.toFixed(2)} at end).`);
  lines.push(`Each figure is the median of ${String(r.config.rounds)} round(s); ratios are nestjs-triple ÷ the other column, measured in this run.`);
  lines.push('');
  lines.push(`| figure | ${SERVERS.map((s) => SERVER_LABELS[s]).join(' | ')} | triple ÷ Nest gRPC | triple ÷ raw |`);
  lines.push(`|---|${SERVERS.map(() => '---:').join('|')}|---:|---:|`);
  let partial = false;
  for (const def of SERVER_FIGURES) {
    const get = (s: string): Measure | undefined => r.servers[s]?.[def.id];
    if (SERVERS.some((s) => get(s)?.partial)) partial = true;
    const nestRef = def.id === 'unary_json' ? r.servers['nest-grpc']?.unary_tiny : get('nest-grpc');
    lines.push(`| ${def.label} | ${SERVERS.map((s) => cell(get(s), def, notes, s)).join(' | ')} | ${ratioCell(get('triple'), nestRef, def.id === 'unary_json' ? ' †' : '')} | ${ratioCell(get('triple'), get('raw-h2'))} |`);
  }
  lines.push('');
  if (partial) lines.push('\\* cut by the per-call time budget; the rate is over the messages that arrived before the cut (an upper bound when the implementation slows down as it goes).');
  lines.push('† Nest\'s gRPC transport has no Triple JSON protocol: compared with its tiny gRPC unary figure.');
  const lin = r.linearityNsPerMessage;
  if (Object.keys(lin).length) {
    lines.push(`Server-stream time per message, ns (8k / 128k / 1M messages): ${SERVERS.filter((s) => lin[s]).map((s) => `${SERVER_LABELS[s]} ${Object.values(lin[s]!).map((v) => (v === null ? 'cut' : v.toFixed(0))).join(' / ')}`).join('; ')}.`);
  }
  const breakdown = renderBreakdown(r);
  if (breakdown) lines.push('', breakdown);
  if (Object.keys(r.clients).length) {
    lines.push('');
    lines.push('Client side, against the raw node:http2 server (the client is the bottleneck):');
    lines.push('');
    lines.push(`| figure | ${CLIENTS.map((c) => CLIENT_LABELS[c]).join(' | ')} | Observable stub ÷ grpc-js | iterable stub ÷ grpc-js |`);
    lines.push(`|---|${CLIENTS.map(() => '---:').join('|')}|---:|---:|`);
    for (const def of CLIENT_FIGURES) {
      const get = (c: string): Measure | undefined => r.clients[c]?.[def.id];
      lines.push(`| ${def.label} | ${CLIENTS.map((c) => cell(get(c), def, notes, c)).join(' | ')} | ${ratioCell(get('triple'), get('grpc-js'))} | ${ratioCell(get('triple-iterable'), get('grpc-js'))} |`);
    }
  }
  lines.push('');
  lines.push('Targets:');
  lines.push('');
  for (const t of r.targets) lines.push(`- **${t.status}** ${t.target}: ${t.detail}`);
  if (notes.length) {
    lines.push('');
    lines.push('Errors:');
    for (const n of [...new Set(notes)]) lines.push(`- ${n.replace(/\s+/g, ' ').slice(0, 400)}`);
  }
  return lines.join('\n');
}

/**
 * Where a unary call's server CPU goes: each transport with and without Nest, from the same run.
 * The difference is Nest's per-call pipeline, which both Nest transports pay.
 */
function renderBreakdown(r: BenchReport): string | undefined {
  const cpu = (who: string): number | undefined => value(r.servers, who, 'bd_cpu_per_call')?.median ?? undefined;
  const pairs = BREAKDOWN_PAIRS.filter(([bare, withNest]) => cpu(bare) !== undefined && cpu(withNest) !== undefined);
  if (pairs.length === 0) return undefined;
  const parts = pairs.map(([bare, withNest]) => `${SERVER_LABELS[bare]} ${fmt(cpu(bare)!, 1)} vs ${SERVER_LABELS[withNest]} ${fmt(cpu(withNest)!, 1)}: Nest's per-call pipeline ${fmt(cpu(withNest)! - cpu(bare)!, 1)} us`);
  return `Where a unary call's server CPU goes (us per tiny call, h2load 10 x 100, each pair measured in alternating rounds; the servers without Nest are diagnostics, not compared): ${parts.join('; ')}.`;
}

const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

const README_INTRO = `\`npm run bench\` (not part of \`npm test\`; about 10 minutes) serves one service (\`bench/proto/bench.proto\`:
unary, server-stream, client-stream and bidi with a \`bytes payload\` and a \`count\`) with three servers, each in its own
process on 127.0.0.1 and only one under load at a time: **nestjs-triple** (TripleServer and a controller with \`@TripleMethod\` /
\`@TripleStreamMethod\`), **Nest's gRPC transport** (\`@GrpcMethod\` / \`@GrpcStreamMethod\` on @grpc/grpc-js, same handler
code) and a **raw node:http2** handler that frames by hand (the practical upper limit for Node). Unary load comes from
h2load (Debian \`nghttp2-client\`, installed with apt-get when missing), streams and latency from a fast raw-http2 Node
client; server and load are pinned to different cores with taskset. The unary, stream and latency figures are taken
in alternating rounds (all three servers up, idle but for the one under load), so the host's drift over the run hits
every server alike; each open-streams figure uses a fresh process. Every counted answer is verified (HTTP 200 and
grpc-status 0 in the trailers — sampled while h2load runs, since h2load only sees the HTTP status). Two diagnostic
servers, nestjs-triple's transport without Nest and plain @grpc/grpc-js, measure only unary CPU per call: next to the
Nest-based servers they split a call's cost into transport and Nest's own per-call pipeline. Ratios come from
the same run, results are saved as JSON in \`bench/results/\`. \`npm run bench -- --quick\` is a one-round version for
development, \`--profile\` runs the servers under \`node --cpu-prof\` (summarise with
\`node dist/bench/tools/profile-summary.js <file>\`), \`--readme\` rewrites this section.

Latest run:
`;

/** README.md with `text` between the bench markers (added at the end when absent). */
export function updateReadme(readme: string, text: string): string {
  const block = `${START}\n${README_INTRO}\n${text}\n${END}`;
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a >= 0 && b > a) return readme.slice(0, a) + block + readme.slice(b + END.length);
  return `${readme.trimEnd()}\n\n## Benchmarks\n\n${block}\n`;
}
