/** Server implementations compared, in table order. */
export const SERVERS = ['triple', 'nest-grpc', 'raw-h2'] as const;
export type ServerName = (typeof SERVERS)[number];

/**
 * Diagnostic servers, unary only: the same transports without Nest. Their CPU per call next to
 * the Nest-based servers' shows what Nest's per-call pipeline costs (not part of any target).
 */
export const BREAKDOWN_SERVERS = ['triple-core', 'grpc-js'] as const;
export type BreakdownServerName = (typeof BREAKDOWN_SERVERS)[number];
/** Each diagnostic server and the Nest-based server on the same transport, measured in turn. */
export const BREAKDOWN_PAIRS: ReadonlyArray<readonly [BreakdownServerName, ServerName]> = [
  ['triple-core', 'triple'],
  ['grpc-js', 'nest-grpc'],
];
export type AnyServerName = ServerName | BreakdownServerName;

export const SERVER_LABELS: Record<AnyServerName, string> = {
  triple: 'nestjs-triple',
  'nest-grpc': 'Nest gRPC transport',
  'raw-h2': 'raw node:http2',
  'triple-core': 'nestjs-triple without Nest (same transport, plain function handler)',
  'grpc-js': 'plain @grpc/grpc-js (no Nest)',
};

/** Clients compared on the client-side figures. */
export const CLIENTS = ['triple', 'triple-iterable', 'grpc-js'] as const;
export type ClientName = (typeof CLIENTS)[number];

export const CLIENT_LABELS: Record<ClientName, string> = {
  triple: 'TripleClient (Observable stub)',
  'triple-iterable': 'TripleClient (iterable stub)',
  'grpc-js': '@grpc/grpc-js client',
};

/** One figure of one implementation: the median of its rounds. */
export interface Measure {
  median: number | null;
  rounds: number[];
  /** Some round was cut by its time budget: the rate is over what arrived before the cut. */
  partial?: boolean;
  /** Why there is no value (not supported, verification failed, ...). */
  error?: string;
  note?: string;
}

export interface FigureDef {
  id: string;
  label: string;
  /** Direction of "better", for the reader; ratios are always this ÷ other. */
  better: 'higher' | 'lower';
  digits: number;
}

export const SERVER_FIGURES: FigureDef[] = [
  { id: 'unary_tiny', label: 'unary req/s, tiny message (gRPC, h2load 10 conns x 100 streams)', better: 'higher', digits: 0 },
  { id: 'unary_1k', label: 'unary req/s, 1 KiB each way (gRPC, h2load 10 x 100)', better: 'higher', digits: 0 },
  { id: 'unary_json', label: 'Triple JSON unary req/s, tiny (h2load 10 x 100)', better: 'higher', digits: 0 },
  { id: 'cpu_per_call', label: 'server CPU per unary call (tiny, under h2load), us', better: 'lower', digits: 1 },
  { id: 'lat_p50', label: 'unary p50 latency at 1 in flight, us', better: 'lower', digits: 0 },
  { id: 'lat_p99', label: 'unary p99 latency at 1 in flight, us', better: 'lower', digits: 0 },
  { id: 'ss_8k', label: 'server-stream msgs/s, 8k x 32 B', better: 'higher', digits: 0 },
  { id: 'ss_128k', label: 'server-stream msgs/s, 128k x 32 B', better: 'higher', digits: 0 },
  { id: 'ss_1m', label: 'server-stream msgs/s, 1M x 32 B', better: 'higher', digits: 0 },
  { id: 'ss_growth', label: 'server-stream time per message, worst growth 8k -> 128k -> 1M', better: 'lower', digits: 2 },
  { id: 'ss_1m_iter', label: 'server-stream msgs/s, 1M x 32 B, async-generator handler (triple only)', better: 'higher', digits: 0 },
  { id: 'ss_64k', label: 'server-stream MB/s, 64 KiB messages (960 per call)', better: 'higher', digits: 0 },
  { id: 'ss_64k_iter', label: 'server-stream MB/s, 64 KiB messages, async-generator handler (triple only)', better: 'higher', digits: 0 },
  { id: 'cs', label: 'client-stream msgs/s, 32 B (fast raw-h2 client)', better: 'higher', digits: 0 },
  { id: 'bidi', label: 'bidi echo msgs/s, 32 B (fast raw-h2 client)', better: 'higher', digits: 0 },
  { id: 'rss_10k', label: 'RSS with 10,000 open streams (fresh server), MB', better: 'lower', digits: 0 },
  { id: 'rss_peak', label: 'peak RSS over the run, MB', better: 'lower', digits: 0 },
];

export const CLIENT_FIGURES: FigureDef[] = [
  { id: 'cl_unary', label: 'client unary calls/s (100 in flight, 16 B)', better: 'higher', digits: 0 },
  { id: 'cl_stream', label: 'client server-stream msgs/s consumed (32 B)', better: 'higher', digits: 0 },
];
