// Runs the benchmark scripts of bench/ that `simdnet bench` (npm run bench) does not cover:
// `npm run bench:scripts -- threads` (1 vs N threads beside PyTorch), `threads-profile` (where a
// 2-thread step spends its time), `cnn` (beside PyTorch), `conv-profile` (a CNN step by kernel),
// `browser` (Node vs the demo's worker in Chromium), `memory` (RSS and heap over long use); no name:
// all of them. Each is bundled with esbuild (wasm inlined) into build/bench/ and run in its own
// Node process: with --experimental-wasm-relaxed-simd on Node < 22 and pinned to one core with
// taskset where it exists (the threads benches to two).
// A bench prints one JSON line per case on stdout; progress goes to stderr.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const available = readdirSync('bench').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
const asked = process.argv.slice(2);
for (const name of asked) {
  if (!available.includes(name)) {
    console.error(`bench:scripts: no benchmark '${name}'; have ${available.join(', ')} (the others are simdnet bench: npm run bench)`);
    process.exit(2);
  }
}
const names = asked.length ? asked : available;

const major = Number(process.versions.node.split('.')[0]);
const nodeArgs = major < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
const pin = spawnSync('taskset', ['--version']).status === 0 ? ['taskset', '-c', '0'] : [];

let failed = 0;
for (const name of names) {
  const outfile = `build/bench/${name}.mjs`;
  await build({
    entryPoints: [`bench/${name}.ts`], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20',
    loader: { '.wasm': 'binary', '.simdnet': 'binary' }, packages: 'external', logLevel: 'warning',
  });
  // The threads benches compare 1 and 2 threads: they get two cores.
  const cores = pin.length && name.startsWith('threads') ? ['taskset', '-c', '0,1'] : pin;
  const [cmd, ...args] = [...cores, process.execPath, ...nodeArgs, outfile];
  console.error(`bench: ${name} (${[cmd, ...args].join(' ')})`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
