import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acceptsFailure, readKnownFailing } from './known-failing.js';
import { findPeer, INTEROP_CASES, type CaseId } from './matrix.js';

export type Outcome = 'pass' | 'known-failing' | 'fail';

/** One interop case against one peer; `t` is there for diagnostics. */
export type CaseFn<C> = (ctx: C, t: TestContext) => Promise<void>;

export interface InteropSuite<C> {
  /** Starts the peer (or our server) and returns what the cases need. */
  setup(): Promise<C>;
  teardown(ctx: C | undefined): Promise<void>;
  /** One implementation per case the matrix declares for the peer. */
  cases: Partial<Record<CaseId, CaseFn<C>>>;
  /** Per-case time limit, ms. Default 20_000. */
  caseTimeoutMs?: number;
}

/** dist/ of this build (this file is dist/test/interop/harness/suite.js once compiled). */
const DIST = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const RESULTS_DIR = join(DIST, 'interop-results');

/**
 * Registers the interop tests of one peer: one test per case the matrix declares for it, in
 * the matrix's order, then a check that every one of them ran. A case listed in
 * known-failing.md must fail the documented way (and a listed case that passes fails, so the
 * list stays true); everything else must pass. Outcomes go to dist/interop-results/<peer>.json.
 */
export function describeInterop<C>(peerId: string, suite: InteropSuite<C>): void {
  const peer = findPeer(peerId);
  const known = new Map(readKnownFailing().filter((k) => k.peer === peerId).map((k) => [k.case, k]));
  for (const id of Object.keys(suite.cases)) {
    if (!(INTEROP_CASES as readonly string[]).includes(id)) throw new Error(`interop ${peerId}: unknown case "${id}"`);
  }
  const outcomes = new Map<CaseId, { outcome: Outcome; detail?: string }>();

  describe(`interop: ${peer.peer} (${peer.protocol}) ${peer.direction === 'server' ? '-> TripleServer' : '<- TripleClient'} [${peerId}]`, () => {
    let ctx: C | undefined;
    before(async () => {
      ctx = await suite.setup();
    });
    after(async () => {
      try {
        await suite.teardown(ctx);
      } finally {
        writeResults(peerId, outcomes);
      }
    });

    for (const id of peer.cases) {
      test(id, { timeout: suite.caseTimeoutMs ?? 20_000 }, async (t) => {
        const impl = suite.cases[id];
        const entry = known.get(id);
        let error: unknown;
        try {
          if (!impl) throw new Error(`no implementation of "${id}" for ${peerId}`);
          if (ctx === undefined) throw new Error(`${peerId}: setup did not complete`);
          await impl(ctx, t);
        } catch (e) {
          error = e;
        }
        if (error === undefined) {
          if (entry) {
            outcomes.set(id, { outcome: 'fail', detail: 'passes but is listed in known-failing.md' });
            throw new Error(`${peerId} / ${id} passes now: remove it from test/interop/known-failing.md and regenerate the README table (node scripts/interop-table.mjs)`);
          }
          outcomes.set(id, { outcome: 'pass' });
          return;
        }
        if (entry && acceptsFailure(entry, error)) {
          const message = (error as Error)?.message ?? String(error);
          outcomes.set(id, { outcome: 'known-failing', detail: message });
          t.diagnostic(`known failing (${entry.kind}): ${entry.reason} -- ${message}`);
          t.todo(`known failing: ${entry.reason}`);
          return;
        }
        outcomes.set(id, { outcome: 'fail', detail: (error as Error)?.message ?? String(error) });
        throw error;
      });
    }

    test('every declared case ran', () => {
      const missing = peer.cases.filter((id) => !outcomes.has(id));
      if (missing.length > 0) throw new Error(`${peerId}: cases that did not run: ${missing.join(', ')}`);
      const stale = [...known.keys()].filter((id) => !(peer.cases as readonly string[]).includes(id));
      if (stale.length > 0) throw new Error(`known-failing.md lists cases ${peerId} does not declare: ${stale.join(', ')}`);
    });
  });
}

function writeResults(peerId: string, outcomes: Map<CaseId, { outcome: Outcome; detail?: string }>): void {
  try {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const cases = Object.fromEntries([...outcomes].map(([id, o]) => [id, o]));
    writeFileSync(join(RESULTS_DIR, `${peerId}.json`), JSON.stringify({ peer: peerId, finishedAt: new Date().toISOString(), cases }, null, 2) + '\n');
  } catch {
    // results are informational (scripts/interop-table.mjs --results); never fail the run on them
  }
}
