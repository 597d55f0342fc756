// Renders the interoperability table into README.md (between <!-- interop-table:start --> and
// <!-- interop-table:end -->) from the declared matrix and test/interop/known-failing.md.
// Needs a build (npm run build): it uses the compiled harness in dist/test/interop/harness.
//
//   node scripts/interop-table.mjs            rewrite README.md
//   node scripts/interop-table.mjs --check    exit 1 if README.md is out of date
//   node scripts/interop-table.mjs --results  also compare with the last run's outcomes
//                                             (dist/interop-results/*.json, written by the specs)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = process.cwd();
const harness = join(root, 'dist/test/interop/harness');
if (!existsSync(join(harness, 'table.js'))) {
  console.error('interop-table: dist/test/interop/harness/table.js is missing; run `npm run build` first');
  process.exit(2);
}
const load = (name) => import(pathToFileURL(join(harness, name)).href);
const { PEERS } = await load('matrix.js');
const { readKnownFailing } = await load('known-failing.js');
const { renderInteropTable, replaceTableBlock, extractTableBlock } = await load('table.js');

const known = readKnownFailing(join(root, 'test/interop/known-failing.md'));
const body = renderInteropTable(PEERS, known);
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const args = new Set(process.argv.slice(2));
let status = 0;

if (args.has('--results')) {
  const failing = new Set(known.map((k) => `${k.peer}/${k.case}`));
  for (const peer of PEERS) {
    const file = join(root, 'dist/interop-results', `${peer.id}.json`);
    if (!existsSync(file)) {
      console.error(`${peer.id}: no results (run the interop specs first)`);
      status = 1;
      continue;
    }
    const { cases } = JSON.parse(readFileSync(file, 'utf8'));
    for (const id of peer.cases) {
      const expected = failing.has(`${peer.id}/${id}`) ? 'known-failing' : 'pass';
      const got = cases[id]?.outcome ?? 'missing';
      if (got !== expected) {
        console.error(`${peer.id} / ${id}: table says ${expected}, last run: ${got}${cases[id]?.detail ? ` (${cases[id].detail})` : ''}`);
        status = 1;
      }
    }
  }
  if (status === 0) console.log('interop-table: the last run matches the table');
}

if (args.has('--check')) {
  if (extractTableBlock(readme) !== body) {
    console.error('interop-table: README.md is out of date; run `node scripts/interop-table.mjs`');
    status = 1;
  } else console.log('interop-table: README.md is up to date');
} else if (!args.has('--results')) {
  const next = replaceTableBlock(readme, body);
  if (next !== readme) {
    writeFileSync(readmePath, next);
    console.log('interop-table: README.md updated');
  } else console.log('interop-table: README.md already up to date');
}
process.exit(status);
