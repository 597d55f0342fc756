// Runs Node's test runner over the compiled specs. Node 20 has no glob support in `node --test`,
// so we list the files ourselves. Usage: node scripts/run-tests.mjs [dir ...] (default: dist/lib dist/test)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['dist/lib', 'dist/test'];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'bench' && name !== 'node_modules') walk(path);
    } else if (name.endsWith('.spec.js')) files.push(path);
  }
};
for (const root of roots) if (existsSync(root)) walk(root);
if (files.length === 0) {
  console.error(`no spec files under ${roots.join(', ')}`);
  process.exit(1);
}
files.sort();
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
