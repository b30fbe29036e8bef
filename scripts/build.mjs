// Bundles the package with esbuild in ONE build with code splitting: the core (browser-safe),
// simdnet/digits, simdnet/onnx, simdnet/node and the CLI share chunks, so a program that imports from several
// entries gets one copy of each module (one Network class, one set of error classes: instanceof
// works across entries). The .wasm builds are inlined as bytes: nothing is located at run time.
// Node built-ins stay external; the core must not reach them (test/package.test.ts).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, statSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

rmSync('dist', { recursive: true, force: true });

// The two .wasm builds differ only where relaxed_madd replaces mul+add, so gzip can store most of
// the second as references to the first, if (1) the bytes are text one char per byte (through
// base64 every inserted byte shifts the 3-byte groups and the text stops matching) and (2) the
// match is within deflate's 32 KB window, which a whole build no longer is. So both builds go into
// ONE string, interleaved in 4 KB segments (segment i of simd, then segment i of relaxed), split
// apart at load. Measured: 54.3 KB gzip for the core with base64, ~40 KB with this.
const SEGMENT = 4096;
const escapes = { 0x5c: '\\\\', 0x60: '\\`', 0x24: '\\$', 0x0d: '\\r' };
function byteString(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (escapes[c]) out += escapes[c];
    else if (c === 0) out += bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39 ? '\\x00' : '\\0'; // "\01" would be octal
    else out += String.fromCharCode(c);
  }
  return out;
}
const wasmPair = {
  name: 'wasm-pair',
  setup(b) {
    b.onLoad({ filter: /[\\/]build[\\/](simd|relaxed)\.wasm$/ }, (args) => ({
      loader: 'js',
      contents: `export { ${args.path.endsWith('simd.wasm') ? 'simd' : 'relaxed'} as default } from 'simdnet:wasm-pair';`,
    }));
    b.onResolve({ filter: /^simdnet:wasm-pair$/ }, () => ({ path: 'wasm-pair', namespace: 'wasm-pair' }));
    b.onLoad({ filter: /.*/, namespace: 'wasm-pair' }, () => {
      const [simd, relaxed] = ['build/simd.wasm', 'build/relaxed.wasm'].map((f) => readFileSync(f));
      let text = '';
      for (let at = 0; at < Math.max(simd.length, relaxed.length); at += SEGMENT) {
        text += byteString(simd.subarray(at, at + SEGMENT)) + byteString(relaxed.subarray(at, at + SEGMENT));
      }
      return {
        loader: 'js',
        contents: `// Both .wasm builds, interleaved in ${SEGMENT}-byte segments, one char per byte (scripts/build.mjs).
const text = \`${text}\`;
const simd = new Uint8Array(${simd.length}), relaxed = new Uint8Array(${relaxed.length});
for (let at = 0, i = 0; at < ${Math.max(simd.length, relaxed.length)}; at += ${SEGMENT}) {
  for (const out of [simd, relaxed]) for (let j = at; j < Math.min(at + ${SEGMENT}, out.length); j++) out[j] = text.charCodeAt(i++);
}
export { simd, relaxed };
`,
      };
    });
  },
};

await build({
  entryPoints: { index: 'src/index.ts', digits: 'src/digits-entry.ts', onnx: 'src/onnx-entry.ts', report: 'src/report-entry.ts', node: 'src/node.ts', cli: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['node:*'],
  packages: 'external', // the CLI's and the Node helpers' dependencies are installed with the package
  loader: { '.simdnet': 'binary' },
  plugins: [wasmPair],
  charset: 'utf8', // module scripts are always UTF-8; 'ascii' would write each byte ≥ 0x80 as \\xNN
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  keepNames: true, // error classes keep their names (err.name, stack traces) through minifying
  sourcemap: true,
  logLevel: 'warning',
});

// The interleaved string must decode to the .wasm files byte for byte (through esbuild's own
// escaping and minifying): build the pair alone the same way and compare.
await build({
  stdin: { contents: "export { default as simd } from './build/simd.wasm'; export { default as relaxed } from './build/relaxed.wasm';", resolveDir: '.', loader: 'js' },
  outfile: 'build/wasm-pair-check.mjs', bundle: true, format: 'esm', minify: true, charset: 'utf8', plugins: [wasmPair], logLevel: 'warning',
});
const decoded = await import(`${pathToFileURL('build/wasm-pair-check.mjs').href}?${Date.now()}`);
for (const name of ['simd', 'relaxed']) {
  if (!Buffer.from(decoded[name]).equals(readFileSync(`build/${name}.wasm`))) throw new Error(`build: the inlined ${name}.wasm does not decode to build/${name}.wasm`);
}

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
