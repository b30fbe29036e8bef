// Bundles the package with esbuild in ONE build with code splitting: the core (browser-safe),
// simdnet/digits, simdnet/node and the CLI share chunks, so a program that imports from several
// entries gets one copy of each module (one Network class, one set of error classes: instanceof
// works across entries). The .wasm builds are inlined as bytes (binary loader): nothing is located
// at run time. Node built-ins stay external; the core must not reach them (test/package.test.ts).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, statSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: { index: 'src/index.ts', digits: 'src/digits-entry.ts', report: 'src/report-entry.ts', node: 'src/node.ts', cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['node:*'],
  packages: 'external', // the CLI's and the Node helpers' dependencies are installed with the package
  loader: { '.wasm': 'binary', '.simdnet': 'binary' },
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});

/** An entry and every chunk it imports statically: what a page loads for it. */
export function staticGraph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/(?:import|export)\s*(?:[\w*{}\s,$]*from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) visit(join(dirname(file), m[1]));
  };
  visit(entry);
  return [...seen];
}

const core = Buffer.concat(staticGraph('dist/index.js').map((f) => readFileSync(f)));
const wasm = ['build/simd.wasm', 'build/relaxed.wasm'].map((f) => statSync(f).size);
console.log(
  JSON.stringify({
    coreBundleBytes: core.length,
    coreBundleGzipBytes: gzipSync(core).length,
    wasmBytes: { simd: wasm[0], relaxed: wasm[1], total: wasm[0] + wasm[1] },
  }),
);
