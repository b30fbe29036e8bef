// Every published result (docs/results/results.json) has its files, and the table is current;
// the runs themselves are not repeated here (scripts/results.mjs run NAME does that).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('docs/results', () => {
  it('every listed result has its command, output, history and charts, and README.md is generated from them', () => {
    const r = spawnSync(process.execPath, ['scripts/results.mjs', 'check'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
