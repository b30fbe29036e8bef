// Bundles the package with esbuild: the core (browser-safe), the Node helpers and the CLI.
// The .wasm builds are inlined as bytes (binary loader), so nothing is located at run time.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, statSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  loader: { '.wasm': 'binary', '.simdnet': 'binary' },
  sourcemap: true,
  logLevel: 'warning',
};

await build({ ...common, entryPoints: { index: 'src/index.ts' }, outdir: 'dist', platform: 'neutral', minify: true });
await build({ ...common, entryPoints: { digits: 'src/digits-entry.ts' }, outdir: 'dist', platform: 'neutral', minify: true });
await build({
  ...common,
  entryPoints: { node: 'src/node.ts', cli: 'src/cli/main.ts' },
  outdir: 'dist',
  platform: 'node',
  packages: 'external',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});

const core = readFileSync('dist/index.js');
const wasm = ['build/simd.wasm', 'build/relaxed.wasm'].map((f) => statSync(f).size);
console.log(
  JSON.stringify({
    coreBundleBytes: core.length,
    coreBundleGzipBytes: gzipSync(core).length,
    wasmBytes: { simd: wasm[0], relaxed: wasm[1], total: wasm[0] + wasm[1] },
  }),
);
