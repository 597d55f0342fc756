import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the list lives (source tree; tests run from the repository root). */
export const KNOWN_FAILING_PATH = join(process.cwd(), 'test/interop/known-failing.md');

/**
 * One row of known-failing.md.
 * - `kind` `gap:<id>` (or `gap:<id>+<id>` when a case hits several): documented limitations; the
 *   case must fail with a {@link KnownGap} of exactly those ids, and any other failure still
 *   fails the suite.
 * - `kind` `pending`: waits for work in progress elsewhere; any failure is accepted.
 * Either way a listed case that passes fails the suite, so the list cannot go stale.
 */
export interface KnownFailure {
  readonly peer: string;
  readonly case: string;
  readonly kind: string;
  readonly reason: string;
}

/** Thrown by a case when an assertion hits a documented limitation (see known-failing.md). */
export class KnownGap extends Error {
  constructor(
    readonly gap: string,
    message: string,
  ) {
    super(`[gap:${gap}] ${message}`);
    this.name = 'KnownGap';
  }
}

/**
 * Reads the table rows `| peer | case | kind | reason |` of known-failing.md; other lines
 * (prose, the header and separator rows) are ignored. Throws on a malformed row.
 */
export function parseKnownFailing(markdown: string): KnownFailure[] {
  const rows: KnownFailure[] = [];
  for (const line of markdown.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('|')) continue;
    const cells = trimmed.slice(1, trimmed.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim());
    if (cells[0] === 'peer' || /^:?-+:?$/.test(cells[0] ?? '')) continue;
    if (cells.length !== 4 || cells.some((c) => c === '')) throw new Error(`known-failing.md: malformed row: ${line}`);
    const [peer, testCase, kind, reason] = cells.map((c) => c.replace(/^`(.*)`$/, '$1')) as [string, string, string, string];
    if (kind !== 'pending' && !/^gap:[a-z0-9-]+(\+[a-z0-9-]+)*$/.test(kind)) throw new Error(`known-failing.md: kind must be "pending" or "gap:<id>[+<id>...]": ${line}`);
    rows.push({ peer, case: testCase, kind, reason });
  }
  return rows;
}

export function readKnownFailing(path = KNOWN_FAILING_PATH): KnownFailure[] {
  return parseKnownFailing(readFileSync(path, 'utf8'));
}

/** Whether `error` is the failure `entry` documents. */
export function acceptsFailure(entry: KnownFailure, error: unknown): boolean {
  if (entry.kind === 'pending') return true;
  return error instanceof KnownGap && `gap:${error.gap}` === entry.kind;
}

/**
 * Collects gap assertions so a case runs all of its steps (every non-gap assertion still
 * counts) and, at the end, fails with every documented gap it hit, as one KnownGap whose id is
 * the ids in order of occurrence joined by `+` (known-failing.md lists exactly that).
 */
export class Gaps {
  private readonly hit: Array<{ gap: string; message: string }> = [];

  check(condition: boolean, gap: string, message: string): void {
    if (!condition && !this.hit.some((h) => h.gap === gap)) this.hit.push({ gap, message });
  }

  /** Throws the gaps hit, if any. */
  done(): void {
    if (this.hit.length === 0) return;
    throw new KnownGap(this.hit.map((h) => h.gap).join('+'), this.hit.map((h) => h.message).join('; '));
  }
}
