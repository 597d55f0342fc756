import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseKnownFailing, readKnownFailing } from './harness/known-failing.js';
import { PEERS } from './harness/matrix.js';
import { extractTableBlock, renderInteropTable } from './harness/table.js';

const README = join(process.cwd(), 'README.md');
/** dist/test/interop (this file's compiled directory). */
const SPEC_DIR = dirname(fileURLToPath(import.meta.url));

test('the README interoperability table is what the matrix and known-failing.md produce', () => {
  const block = extractTableBlock(readFileSync(README, 'utf8'));
  assert.ok(block !== undefined, 'README.md needs an "Interoperability" section with <!-- interop-table:start --> / <!-- interop-table:end --> markers');
  assert.equal(block, renderInteropTable(PEERS, readKnownFailing()), 'README.md is out of date: run `npm run build && node scripts/interop-table.mjs`');
});

test('known-failing.md names only declared peers and cases, each once, each with a reason', () => {
  const seen = new Set<string>();
  for (const k of readKnownFailing()) {
    const peer = PEERS.find((p) => p.id === k.peer);
    assert.ok(peer, `known-failing.md: unknown peer "${k.peer}"`);
    assert.ok((peer.cases as readonly string[]).includes(k.case), `known-failing.md: ${k.peer} does not run "${k.case}"`);
    const key = `${k.peer}/${k.case}`;
    assert.ok(!seen.has(key), `known-failing.md: ${key} is listed twice`);
    seen.add(key);
    assert.ok(k.reason.length >= 20, `known-failing.md: ${key} needs a real reason`);
  }
});

test('every declared peer is run by a spec file of this build', () => {
  for (const peer of PEERS) {
    const spec = join(SPEC_DIR, peer.spec);
    assert.ok(existsSync(spec), `${peer.id}: ${peer.spec} is missing from dist/test/interop`);
    assert.ok(readFileSync(spec, 'utf8').includes(`'${peer.id}'`), `${peer.id}: ${peer.spec} does not register it`);
  }
  const ids = PEERS.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'peer ids are unique');
});

test('the known-failing parser accepts the documented forms and refuses malformed rows', () => {
  const rows = parseKnownFailing(['| peer | case | kind | reason |', '|---|---|---|---|', '| `a` | `b` | gap:x-y+z | why |', '| a | c | pending | later |'].join('\n'));
  assert.deepEqual(rows.map((r) => [r.peer, r.case, r.kind]), [['a', 'b', 'gap:x-y+z'], ['a', 'c', 'pending']]);
  assert.throws(() => parseKnownFailing('| a | b | broken | why |'), /kind must be/);
  assert.throws(() => parseKnownFailing('| a | b | pending |'), /malformed/);
});
