import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the first folder above this (compiled) file holding package.json. */
export const REPO_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: cannot find the repository root (no package.json above dist/bench)');
    dir = up;
  }
  return dir;
})();

export const BENCH_PROTO = join(REPO_ROOT, 'bench/proto/bench.proto');
export const DIST_BENCH = join(REPO_ROOT, 'dist/bench');
export const RESULTS_DIR = join(REPO_ROOT, 'bench/results');

export const SERVICE_PATH = '/bench.v1.BenchService';
export const PATH_UNARY = `${SERVICE_PATH}/Unary`;
export const PATH_SERVER_STREAM = `${SERVICE_PATH}/ServerStream`;
export const PATH_CLIENT_STREAM = `${SERVICE_PATH}/ClientStream`;
export const PATH_BIDI = `${SERVICE_PATH}/Bidi`;

/** Request header selecting nestjs-triple's async-iterable server-stream handler (see triple-server.ts). */
export const HANDLER_HEADER = 'bench-handler';
