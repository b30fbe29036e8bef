// The codebase's shape: dependencies point one way without cycles (scripts/check-imports.mjs), and
// every error's class agrees with its code, in the sources and in the minified bundle.
import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { fail, optionalPackage, simdnetError, SimdnetError, ShapeError, ModelFormatError, IdxError, HeapError, DivergenceError, CheckpointError, type ErrorCode } from '../src/errors';

const script = fileURLToPath(new URL('../scripts/check-imports.mjs', import.meta.url));

describe('module graph', () => {
  it('src/ has no import cycle and no upward dependency', () => {
    const out = execFileSync(process.execPath, [script], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' });
    expect(JSON.parse(out)).toMatchObject({ problems: 0 });
  });

  it('the checker finds a cycle and an upward import (it can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-imports-'));
    mkdirSync(join(dir, 'nn'));
    mkdirSync(join(dir, 'io'));
    writeFileSync(join(dir, 'nn', 'a.ts'), "import { b } from './b';\nimport { save } from '../io/save';\nexport const a = 1;\n");
    writeFileSync(join(dir, 'nn', 'b.ts'), "import { a } from './a';\nexport const b = 2;\n");
    writeFileSync(join(dir, 'io', 'save.ts'), "import type { a } from '../nn/a';\nexport const save = 3;\n");
    const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/import cycle: nn\/a\.ts → nn\/b\.ts → nn\/a\.ts/);
    expect(r.stderr).toMatch(/nn\/a\.ts imports io\/save\.ts: 'nn' may not depend on 'io'/);
  });
});

describe('errors', () => {
  const expected: [ErrorCode, typeof SimdnetError][] = [
    ['SHAPE', ShapeError], ['ARGUMENT', ShapeError], ['MODEL_SHAPE', ModelFormatError], ['MODEL_WEIGHTS', ModelFormatError],
    ['MODEL_FORMAT', ModelFormatError], ['ONNX_UNSUPPORTED', ModelFormatError], ['IDX_MAGIC', IdxError], ['HEAP_LIMIT', HeapError], ['DIVERGED', DivergenceError], ['BACKEND', SimdnetError], ['CHECKPOINT', CheckpointError],
  ];
  it.each(expected)('fail(%s) throws the class of its code', (code, Class) => {
    expect(() => fail(code, 'x')).toThrow(Class);
    const e = simdnetError(code, 'm');
    expect(e.code).toBe(code);
    expect(e.constructor).toBe(Class);
    expect(e.name).toBe(Class.name);
  });

  it('src/ throws through fail(code) / simdnetError(code) only, so no error can carry a code of another class', () => {
    const root = fileURLToPath(new URL('../src', import.meta.url));
    const out = spawnSync('grep', ['-rnE', 'new (SimdnetError|IdxError|HeapError|ShapeError|ModelFormatError|DivergenceError|CheckpointError)\\(', root], { encoding: 'utf8' });
    const hits = out.stdout.split('\n').filter((l) => l && !l.includes('/src/errors.ts:'));
    expect(hits).toEqual([]);
  });

  it('optionalPackage names a missing package and the command that installs it; other failures pass through', async () => {
    const require = createRequire(import.meta.url);
    const missing = await optionalPackage('simdnet-no-such-package', 'This feature', () => require.resolve('simdnet-no-such-package/package.json')).catch((e) => e);
    expect(missing).toBeInstanceOf(SimdnetError);
    expect(missing).toMatchObject({ code: 'MISSING_PACKAGE', message: "This feature needs the package 'simdnet-no-such-package', which is not installed: npm install simdnet-no-such-package" });
    const name = 'simdnet-no-such-package';
    const esm = await optionalPackage(name, 'x', () => import(/* @vite-ignore */ name)).catch((e) => e);
    expect(esm.code).toBe('MISSING_PACKAGE');
    // Another package missing inside it, or any other error, is not "install NAME".
    const inner = Object.assign(new Error("Cannot find package 'other' imported from /x/node_modules/vega/index.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(optionalPackage('vega', 'x', () => { throw inner; })).rejects.toBe(inner);
    await expect(optionalPackage('vega', 'x', () => { throw new TypeError('broken'); })).rejects.toThrow(TypeError);
    expect(await optionalPackage('typescript', 'x', () => require.resolve('typescript/package.json'))).toMatch(/typescript/);
  });

  it('error classes keep their names in the minified bundle', async () => {
    const dist = await import(fileURLToPath(new URL('../dist/index.js', import.meta.url)));
    const backend = await dist.createBackend('js');
    let caught: unknown;
    try {
      new dist.Network(backend, { input: 4, layers: [dist.dense(0)] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(dist.ShapeError);
    expect((caught as Error).name).toBe('ShapeError');
    expect((caught as Error).constructor.name).toBe('ShapeError');
    expect(dist.ModelFormatError.name).toBe('ModelFormatError');
    expect(dist.DivergenceError.name).toBe('DivergenceError');
    expect(dist.CheckpointError.name).toBe('CheckpointError');
  });

  it('the bundle is minified without keepNames (no name-setting wrapper around every closure)', () => {
    const dir = fileURLToPath(new URL('../dist/', import.meta.url));
    const files = readdirSync(join(dir, 'chunks')).map((f) => join(dir, 'chunks', f)).concat(readdirSync(dir).map((f) => join(dir, f)));
    // esbuild's __name helper: defineProperty(fn, "name", { value, configurable: true }), minified.
    for (const f of files.filter((f) => f.endsWith('.js'))) expect(readFileSync(f, 'utf8'), f).not.toMatch(/"name",\{value:\w+,configurable:!0\}/);
  });
});
