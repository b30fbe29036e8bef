// README.md's performance table is generated from docs/bench/results.jsonl (scripts/bench-readme.mjs):
// it matches the file, and the check notices a table that does not.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const script = (...args: string[]) => spawnSync(process.execPath, ['scripts/bench-readme.mjs', ...args], { cwd: root, encoding: 'utf8' });

describe('the README performance table', () => {
  it('is the table of docs/bench/results.jsonl', () => {
    const r = script('check');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const records = readFileSync(join(root, 'docs/bench/results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const r of records.filter((x) => x.event === 'result')) expect(readme).toContain(`| ${r.title}, per ${r.unit} |`);
  });

  it('the check fails on a table edited by hand, and table rewrites it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-readme-'));
    const readme = join(dir, 'README.md');
    const original = readFileSync(join(root, 'README.md'), 'utf8');
    writeFileSync(readme, original.replace(/(\| GEMM 256³, per call \| )[^|]*/, '$1 1 ms '));
    const r = script('check', '--readme', readme);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the performance table does not match docs\/bench\/results\.jsonl/);
    expect(script('table', '--readme', readme).status).toBe(0);
    expect(readFileSync(readme, 'utf8')).toBe(original);
  });
});
