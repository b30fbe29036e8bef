import { describe, it, expect } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

// Checks the built package (dist/ is built by `npm test` before vitest starts).
const dist = (f: string) => fileURLToPath(new URL(`../dist/${f}`, import.meta.url));
const require = createRequire(import.meta.url);

/** An entry file and every chunk it imports statically (what a page loads for it). */
function staticGraph(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)\s*(?:[\w*{}\s,$]*from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) {
      visit(join(dirname(file), m[1]));
    }
  };
  visit(entry);
  return [...seen];
}

describe('the built package', () => {
  it('the core entry reaches no node: module (it must run in browsers) and inlines the four wasm builds', () => {
    const files = staticGraph(dist('index.js'));
    expect(files.length).toBeGreaterThan(1); // index.js and the chunks it shares with the other entries
    const core = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(core).not.toMatch(/["']node:/);
    expect(core).not.toMatch(/\.wasm["']/); // no file to locate at run time
    // simd, relaxed and their shared-memory variants are embedded, one char per byte
    // (scripts/build.mjs): the wasm magic and version "\0asm\x01\0\0\0" as esbuild writes it, once per build.
    expect(core.match(/\\0asm\x01\\0\\0\\0/g)?.length).toBe(4);
  });

  it('the worker script of backends with threads sits where the pool looks for it', () => {
    const pool = staticGraph(dist('index.js')).find((f) => readFileSync(f, 'utf8').includes('worker.js'));
    expect(pool).toBeDefined();
    const url = readFileSync(pool!, 'utf8').match(/new URL\("([^"]*worker\.js)"/)?.[1];
    expect(url).toBeDefined();
    expect(existsSync(join(dirname(pool!), url!))).toBe(true);
  });

  it('the inlined wasm builds compile and run from the bundle', async () => {
    const { createBackend, Network, dense } = await import(dist('index.js'));
    const names = ['wasm-simd', ...(WebAssembly.validate(readFileSync(fileURLToPath(new URL('../build/relaxed.wasm', import.meta.url)))) ? ['wasm-relaxed'] : [])];
    for (const name of names) {
      const net = new Network(await createBackend(name), { input: 3, layers: [dense(2)], seed: 1 });
      expect(net.predict(new Float32Array([1, 2, 3])).every(Number.isFinite)).toBe(true);
    }
  });

  it('entries have no top-level await: require() of the ESM bundles works', () => {
    const core = require(dist('index.js'));
    expect(typeof core.createBackend).toBe('function');
    expect(typeof core.Network).toBe('function');
    expect(typeof require(dist('node.js')).loadMnist).toBe('function');
  });

  it('the entries share one copy of each module: classes from simdnet, simdnet/node and simdnet/digits are the same', async () => {
    const core = await import(dist('index.js'));
    const node = await import(dist('node.js'));
    const digits = await import(dist('digits.js'));
    expect(node.Network).toBe(core.Network);
    expect(node.IdxError).toBe(core.IdxError);
    expect(digits.createDigitClassifier).toBe(core.createDigitClassifier);
    // An error thrown by a Node helper is an instance of the class imported from the core entry.
    const err = await node.loadMnist({ dir: '/nonexistent-mnist-dir' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(core.SimdnetError);
    // The model (base64 of its magic "SIMDNET\0": U0lNRE5FVAA) is loaded by simdnet/digits only.
    const text = (entry: string) => staticGraph(dist(entry)).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text('digits.js')).toContain('U0lNRE5FVAA');
    expect(text('index.js')).not.toContain('U0lNRE5FVAA');
  });

  it('an uncaught library error prints a short source line, not kilobytes of bundle and wasm bytes', () => {
    const script = `import { createBackend, Network, dense } from ${JSON.stringify(pathToFileURL(dist('index.js')).href)};
new Network(await createBackend(), { input: 4, layers: [dense(0)] });`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ShapeError: layer 0 \(dense\): units must be a positive integer, got 0/);
    expect(r.stderr.length).toBeLessThan(3000);
    expect(Math.max(...r.stderr.split('\n').map((l) => l.length))).toBeLessThan(400);
    // Every line of code is short; only the chunks of data (the .wasm text, the model's base64) are not code.
    for (const file of readdirSync(dist('chunks')).concat(readdirSync(dist('.')).filter((f) => f.endsWith('.js')).map((f) => `../${f}`))) {
      if (!file.endsWith('.js')) continue;
      const text = readFileSync(join(dist('chunks'), file), 'utf8');
      if (text.includes('\\0asm') || text.includes('U0lNRE5FVAA')) continue;
      expect(Math.max(...text.split('\n').map((l) => l.length)), file).toBeLessThan(1000);
    }
  });

  it('simdnet/onnx: its own entry (the core carries no ONNX code), sharing the core\'s classes', async () => {
    const core = await import(dist('index.js'));
    const onnx = await import(dist('onnx.js'));
    const text = (entry: string) => staticGraph(dist(entry)).map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(text('onnx.js')).toContain('ModelProto');
    expect(text('index.js')).not.toContain('ModelProto');
    expect(text('onnx.js')).not.toMatch(/["']node:/); // browser-safe too
    const backend = await core.createBackend('js');
    const net = new core.Network(backend, { input: 3, layers: [core.dense(2)], seed: 1 });
    const back = onnx.fromOnnx(backend, onnx.toOnnx(net));
    expect(back).toBeInstanceOf(core.Network);
    expect(back.predict(new Float32Array([1, 2, 3]))).toEqual(net.predict(new Float32Array([1, 2, 3])));
    expect(() => onnx.fromOnnx(backend, new Uint8Array([1, 2, 3]))).toThrow(core.ModelFormatError);
  });

  it('the exports map names the core, node and onnx entries with types', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'));
    expect(pkg.type).toBe('module');
    expect(pkg.exports['.'].default).toBe('./dist/index.js');
    expect(pkg.exports['./node'].default).toBe('./dist/node.js');
    expect(pkg.dependencies).toBeUndefined(); // the core depends on nothing; the CLI's extras are optional peers
    for (const name of Object.keys(pkg.peerDependencies)) expect(pkg.peerDependenciesMeta[name], name).toEqual({ optional: true });
    expect(pkg.exports['./onnx']).toEqual({ types: './dist/types/onnx-entry.d.ts', default: './dist/onnx.js' });
    expect(statSync(fileURLToPath(new URL('../dist/types/onnx-entry.d.ts', import.meta.url))).isFile()).toBe(true);
  });
});
