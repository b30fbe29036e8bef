// Bundles the package with esbuild in ONE build with code splitting: the core (browser-safe),
// simdnet/digits, simdnet/onnx, simdnet/node and the CLI share chunks, so a program that imports from several
// entries gets one copy of each module (one Network class, one set of error classes: instanceof
// works across entries). The .wasm builds are inlined as bytes: nothing is located at run time.
// Node built-ins stay external; the core must not reach them (test/package.test.ts).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, statSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

rmSync('dist', { recursive: true, force: true });

// The .wasm builds (simd, relaxed, and their shared-memory variants for threads) differ only where
// relaxed_madd replaces mul+add or the memory is imported, so gzip can store most of each as
// references to the others, if (1) the bytes are text one char per byte (through base64 every
// inserted byte shifts the 3-byte groups and the text stops matching) and (2) the match is within
// deflate's 32 KB window, which a whole build no longer is. So all builds go into ONE string,
// interleaved in 4 KB segments (segment i of each build in turn), split apart at load. Measured:
// 54.3 KB gzip for the core with base64 and two builds, ~40 KB with this.
const SEGMENT = 4096;
const BUILDS = { simd: 'simd', relaxed: 'relaxed', 'simd-shared': 'simdShared', 'relaxed-shared': 'relaxedShared' };
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
  name: 'wasm-builds',
  setup(b) {
    b.onLoad({ filter: /[\\/]build[\\/](simd|relaxed|simd-shared|relaxed-shared)\.wasm$/ }, (args) => ({
      loader: 'js',
      contents: `export { ${BUILDS[args.path.match(/([\w-]+)\.wasm$/)[1]]} as default } from 'simdnet:wasm-builds';`,
    }));
    b.onResolve({ filter: /^simdnet:wasm-builds$/ }, () => ({ path: 'wasm-builds', namespace: 'wasm-builds' }));
    b.onLoad({ filter: /.*/, namespace: 'wasm-builds' }, () => {
      const files = Object.keys(BUILDS).map((f) => readFileSync(`build/${f}.wasm`));
      const names = Object.values(BUILDS);
      const longest = Math.max(...files.map((f) => f.length));
      let text = '';
      for (let at = 0; at < longest; at += SEGMENT) for (const f of files) text += byteString(f.subarray(at, at + SEGMENT));
      return {
        loader: 'js',
        contents: `// The .wasm builds, interleaved in ${SEGMENT}-byte segments, one char per byte (scripts/build.mjs).
const text = \`${text}\`;
${names.map((n, i) => `const ${n} = new Uint8Array(${files[i].length});`).join('\n')}
for (let at = 0, i = 0; at < ${longest}; at += ${SEGMENT}) {
  for (const out of [${names.join(', ')}]) for (let j = at; j < Math.min(at + ${SEGMENT}, out.length); j++) out[j] = text.charCodeAt(i++);
}
export { ${names.join(', ')} };
`,
      };
    });
  },
};

// The thread pool starts dist/worker.js by a URL relative to its own module, which the bundle puts
// in dist/chunks/ (the sources point at the built file, for tests that run the sources).
const WORKER_PATH = { source: "'../../dist/worker.js'", bundle: "'../worker.js'" };
const workerUrl = {
  name: 'worker-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]kernels[\\/]threads\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(WORKER_PATH.source)) throw new Error(`build: ${args.path} no longer names ${WORKER_PATH.source}`);
      return { loader: 'ts', contents: text.replace(WORKER_PATH.source, WORKER_PATH.bundle) };
    });
  },
};

await build({
  entryPoints: {
    index: 'src/index.ts', digits: 'src/digits-entry.ts', report: 'src/report-entry.ts', node: 'src/node.ts', onnx: 'src/onnx-entry.ts', cli: 'src/cli/main.ts', worker: 'src/worker.ts', bench: 'src/bench-entry.ts',
    // An entry only to give the .wasm bytes a chunk of their own (no code shares their file); the
    // entry file itself (a re-export that nothing imports) is deleted below.
    'chunks/wasm-builds': 'simdnet:wasm-builds',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['node:*'],
  packages: 'external', // the CLI's and the Node helpers' dependencies are installed with the package
  // .wasm other than the kernel builds (the bench's peak probe, a few hundred bytes): bytes, base64.
  loader: { '.simdnet': 'binary', '.wasm': 'binary' },
  plugins: [wasmPair, workerUrl],
  charset: 'utf8', // module scripts are always UTF-8; 'ascii' would write each byte ≥ 0x80 as \\xNN
  define: { __SIMDNET_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) }, // src/bench/version.ts
  chunkNames: 'chunks/[name]-[hash]',
  minify: true,
  // Short lines: Node prints the line of an uncaught error's throw site, which must not be 70 KB of code.
  lineLimit: 240,
  // No keepNames: it wraps every function expression in a name-setting call, a defineProperty per
  // closure made in a hot loop (augmentDigits' sampler ran ~30× slower). src/errors.ts names its classes.
  sourcemap: true, // for working in the repo; the package leaves the maps out (package.json "files")
  logLevel: 'warning',
});

rmSync('dist/chunks/wasm-builds.js');
rmSync('dist/chunks/wasm-builds.js.map');

// The interleaved string must decode to the .wasm files byte for byte (through esbuild's own
// escaping and minifying): build the pair alone the same way and compare.
await build({
  stdin: { contents: Object.entries(BUILDS).map(([f, n]) => `export { default as ${n} } from './build/${f}.wasm';`).join(' '), resolveDir: '.', loader: 'js' },
  outfile: 'build/wasm-pair-check.mjs', bundle: true, format: 'esm', minify: true, charset: 'utf8', plugins: [wasmPair], logLevel: 'warning',
});
const decoded = await import(`${pathToFileURL('build/wasm-pair-check.mjs').href}?${Date.now()}`);
for (const [file, name] of Object.entries(BUILDS)) {
  if (!Buffer.from(decoded[name]).equals(readFileSync(`build/${file}.wasm`))) throw new Error(`build: the inlined ${file}.wasm does not decode to build/${file}.wasm`);
}

// The worker's URL must resolve from the chunk that holds the pool.
for (const f of readdirSync('dist/chunks').filter((f) => f.endsWith('.js'))) {
  if (readFileSync(join('dist/chunks', f), 'utf8').includes(WORKER_PATH.bundle.slice(1, -1)) && !existsSync(join('dist/chunks', WORKER_PATH.bundle.slice(1, -1)))) {
    throw new Error(`build: dist/chunks/${f} starts workers from ${WORKER_PATH.bundle}, which does not exist`);
  }
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
const wasm = Object.keys(BUILDS).map((f) => statSync(`build/${f}.wasm`).size);
console.log(
  JSON.stringify({
    coreBundleBytes: core.length,
    coreBundleGzipBytes: gzipSync(core).length,
    wasmBytes: { ...Object.fromEntries(Object.keys(BUILDS).map((f, i) => [f, wasm[i]])), total: wasm.reduce((a, b) => a + b, 0) },
  }),
);
