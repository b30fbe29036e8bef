// The README's "your own data" examples run as an app would run them (importing 'simdnet' by name)
// and reach the figures the README quotes.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (file: string) => execFileSync(process.execPath, [`examples/${file}`], { cwd: root, encoding: 'utf8' });
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('examples', () => {
  it('penguins.mjs: species from four measurements, > 95% test accuracy; the README shows this file', () => {
    const out = run('penguins.mjs');
    const accuracy = Number(/test accuracy ([\d.]+)%/.exec(out)?.[1]);
    expect(accuracy, out).toBeGreaterThan(95);
    expect(out).toMatch(/first test penguin: Adelie [\d.]+%, Chinstrap [\d.]+%, Gentoo [\d.]+%/);
    expect(readme).toContain(readFileSync(new URL('../examples/penguins.mjs', import.meta.url), 'utf8').split('\n').slice(3).join('\n').trim());
  });

  it('onnx-digits.mjs: the shipped classifier exported and run in onnxruntime-node agrees with simdnet; the README shows this file', () => {
    const out = run('onnx-digits.mjs');
    const m = /onnxruntime-node [\d.]+: (\d+) of 1000 MNIST test digits right; the same class as simdnet for (\d+)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(985);
    expect(Number(m![2])).toBe(1000);
    expect(readme).toContain(readFileSync(new URL('../examples/onnx-digits.mjs', import.meta.url), 'utf8').split('\n').slice(2).join('\n').trim());
  });

  it('cars.mjs: fuel economy, test R² > 0.8; the README shows this file', () => {
    const out = run('cars.mjs');
    const r2 = Number(/test R² ([\d.-]+)/.exec(out)?.[1]);
    expect(r2, out).toBeGreaterThan(0.8);
    expect(readme).toContain(readFileSync(new URL('../examples/cars.mjs', import.meta.url), 'utf8').split('\n').slice(3).join('\n').trim());
  });
});
