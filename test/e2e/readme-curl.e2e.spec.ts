import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startHeroServer } from '../../sample/server/main.js';
import { CURL } from '../helpers/curl.js';

/**
 * The README's curl examples, run verbatim against the sample server (on a free port instead
 * of 50051), so the documented commands and their documented answers never drift.
 */
interface Example {
  command: string;
  expected: string;
}

function readmeExamples(): Example[] {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const examples: Example[] = [];
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('curl ') || !line.includes('127.0.0.1:50051')) continue;
    const next = lines[i + 1] ?? '';
    const json = /\{.*\}/.exec(next);
    if (next.startsWith('# ') && json) examples.push({ command: line, expected: json[0] });
  }
  return examples;
}

/** Splits a shell line into arguments (single quotes only, as the README uses). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

describe('README curl examples', () => {
  let stop: () => Promise<void>;
  let address: string;

  before(async () => {
    const { app, server } = await startHeroServer('127.0.0.1:0');
    stop = () => app.close();
    address = server.url!;
  });
  after(() => stop());

  test('the README documents at least three curl calls with their answers', () => {
    assert.ok(readmeExamples().length >= 3);
  });

  test('each README curl call returns the documented body', async () => {
    for (const example of readmeExamples()) {
      const args = shellWords(example.command.replace('127.0.0.1:50051', address)).slice(1);
      const body = await new Promise<string>((resolve, reject) =>
        execFile(CURL, args, (err, stdout) => (err ? reject(err) : resolve(stdout))),
      );
      assert.deepEqual(JSON.parse(body), JSON.parse(example.expected), example.command);
    }
  });
});
