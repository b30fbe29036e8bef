// The README's code: every JavaScript, TypeScript and HTML block is a complete example that a test
// runs, or says why not (a fragment of the API reference, or too long to run). The "your own data"
// examples run as an app would run them (importing 'simdnet' by name) and reach the figures the
// README quotes; the README shows their files whole.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readmeBlocks, readmeExample } from './support/readme';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (file: string) => execFileSync(process.execPath, [file], { cwd: root, encoding: 'utf8' });

/** Each README example and the test that runs it. */
const RUNNERS: Record<string, string> = {
  'train.mjs': 'test/consumer.test.ts (in an app that installed the tarball)',
  'classify.mjs': 'test/consumer.test.ts',
  'kernels.mjs': 'test/consumer.test.ts',
  'main.js': 'test/browser/readme.browser.test.ts (Chromium)',
  'index.html': 'test/browser/readme.browser.test.ts',
  'bundle.sh': 'test/browser/readme.browser.test.ts',
  'train-mnist.mjs': 'here',
  'examples/penguins.mjs': 'here',
  'examples/cars.mjs': 'here',
  'examples/onnx-digits.mjs': 'here',
};

describe('README code blocks', () => {
  const blocks = readmeBlocks();

  it('every JavaScript, TypeScript and HTML block is an example a test runs, or is marked as a fragment or as not run', () => {
    const code = blocks.filter((b) => ['js', 'ts', 'html'].includes(b.lang));
    expect(code.length).toBeGreaterThan(8);
    for (const b of code) expect(b.marker, `README.md line ${b.line}: a ${b.lang} block without <!-- example: NAME -->, <!-- fragment --> or <!-- not run: why -->`).toBeDefined();
    const names = blocks.flatMap((b) => (b.marker && 'example' in b.marker ? [b.marker.example] : []));
    expect(names.sort()).toEqual(Object.keys(RUNNERS).sort());
  });

  it('the install section comes right after the two set-up commands', () => {
    const headings = readFileSync(join(root, 'README.md'), 'utf8').split('\n').filter((l) => l.startsWith('## '));
    expect(headings[0]).toBe('## Install');
    expect(blocks[0].code).toMatch(/^npm install && npm run train .*\nnpm test /);
    expect(blocks[1].code).toBe('npm install simdnet\n');
  });

  it('train-mnist.mjs ("Train from code") trains an MLP on MNIST to > 97% test accuracy in 5 epochs', () => {
    // Inside the repository, so that 'simdnet' resolves to this package (its exports) as in an app.
    const dir = join(root, 'test-artifacts', 'readme');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'train-mnist.mjs'), readmeExample('train-mnist.mjs'));
    const out = run(join(dir, 'train-mnist.mjs'));
    const epochs = out.trim().split('\n').filter((l) => /^\d+ [\d.]+ [\d.]+$/.test(l));
    expect(epochs).toHaveLength(5);
    const accuracy = Number(/accuracy: ([\d.]+)/.exec(out)?.[1]);
    expect(accuracy, out).toBeGreaterThan(0.97);
  });
});

describe('examples', () => {
  /** The file as the README shows it: without its two-line header comment. */
  const shown = (file: string) => readFileSync(join(root, file), 'utf8').split('\n').slice(2).join('\n');

  it('penguins.mjs: species from four measurements, > 95% test accuracy; the README shows this file', () => {
    const out = run('examples/penguins.mjs');
    const accuracy = Number(/test accuracy ([\d.]+)%/.exec(out)?.[1]);
    expect(accuracy, out).toBeGreaterThan(95);
    expect(out).toMatch(/first test penguin: Adelie [\d.]+%, Chinstrap [\d.]+%, Gentoo [\d.]+%/);
    expect(readmeExample('examples/penguins.mjs')).toBe(shown('examples/penguins.mjs'));
  });

  it('onnx-digits.mjs: the shipped classifier exported and run in onnxruntime-node agrees with simdnet; the README shows this file', () => {
    const out = run('examples/onnx-digits.mjs');
    const m = /onnxruntime-node [\d.]+: (\d+) of 1000 MNIST test digits right; the same class as simdnet for (\d+)/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(985);
    expect(Number(m![2])).toBe(1000);
    expect(readmeExample('examples/onnx-digits.mjs')).toBe(shown('examples/onnx-digits.mjs'));
  });

  it('cars.mjs: fuel economy, test R² > 0.8; the README shows this file', () => {
    const out = run('examples/cars.mjs');
    const r2 = Number(/test R² ([\d.-]+)/.exec(out)?.[1]);
    expect(r2, out).toBeGreaterThan(0.8);
    expect(readmeExample('examples/cars.mjs')).toBe(shown('examples/cars.mjs'));
  });
});
