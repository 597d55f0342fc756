import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, normalize } from 'node:path';
import { test } from 'node:test';

/**
 * The layering rule of design.md, checked on the sources: nest -> protocol/http2 -> core.
 * core imports nothing above it and no Node networking; protocol subfolders and http2 import
 * only core (protocol's root files may import its subfolders); only nest imports Nest and RxJS.
 */
const LIB = join(process.cwd(), 'lib');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** Layer of a lib-relative path: core, http2, nest, protocol-root, or protocol/<name>. */
function layerOf(libRelative: string): string {
  const [top, sub] = libRelative.split('/');
  if (top === 'protocol') return sub!.endsWith('.ts') ? 'protocol-root' : `protocol/${sub}`;
  return top!.endsWith('.ts') ? 'root' : top!;
}

test('imports follow nest -> protocol/http2 -> core', () => {
  const violations: string[] = [];
  for (const file of sources(LIB)) {
    const from = relative(LIB, file);
    const layer = layerOf(from);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        const target = relative(LIB, normalize(join(dirname(file), spec)));
        if (target.startsWith('..')) {
          violations.push(`${from} imports outside lib: ${spec}`);
          continue;
        }
        const to = layerOf(target);
        const allowed: Record<string, string[]> = {
          core: ['core'],
          http2: ['core', 'http2'],
          'protocol-root': ['core', 'protocol-root', ...(to.startsWith('protocol/') ? [to] : [])],
          nest: ['core', 'http2', 'protocol-root', 'nest', ...(to.startsWith('protocol/') ? [to] : [])],
          root: [to],
        };
        const ok = layer.startsWith('protocol/') ? to === 'core' || to === layer : (allowed[layer] ?? []).includes(to);
        if (!ok) violations.push(`${from} (${layer}) imports ${target} (${to})`);
      } else {
        const isFramework = spec.startsWith('@nestjs/') || spec === 'rxjs' || spec.startsWith('rxjs/');
        if (isFramework && layer !== 'nest') violations.push(`${from} (${layer}) imports ${spec}`);
        const isNetwork = /^node:(http|http2|https|net|tls|dns)$/.test(spec);
        if (isNetwork && (layer === 'core' || layer.startsWith('protocol'))) violations.push(`${from} (${layer}) imports ${spec}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
