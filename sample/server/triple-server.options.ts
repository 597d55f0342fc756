import { join } from 'node:path';
import type { TripleServerOptions } from '../../lib/index.js';

/** The proto lives in sample/proto; paths resolve from the repository root (where npm runs). */
export const HERO_PROTO = join(process.cwd(), 'sample/proto/hero/v1/hero.proto');

export function tripleServerOptions(url = process.env.HERO_URL ?? '127.0.0.1:50051'): TripleServerOptions {
  return { url, package: 'hero.v1', protoPath: HERO_PROTO, loader: { keepCase: false, longs: String, enums: String, defaults: true } };
}
