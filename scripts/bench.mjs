// `npm run bench [-- ARGS]`: `simdnet bench ARGS` from this checkout (dist/, which npm run build
// makes), pinned with taskset where it exists: to core 0 for one thread, to cores 0…N−1 when
// --threads asks for N (auto: every core, no pinning). Without --threads it measures 1 thread, and
// without --out it writes bench/results/ (results.jsonl, index.html; not committed).
//   npm run bench                          every workload, 1 thread, the README's figures
//   npm run bench -- --threads 1,2         1 against 2 threads (pinned to cores 0 and 1)
//   npm run bench -- epoch --quick         one workload, quick
// The benchmark scripts that remain in bench/ (threads and cnn beside PyTorch, browser, memory): npm run bench:scripts.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { spawnSync } from 'node:child_process';

if (!existsSync('dist/cli.js')) {
  console.error('bench: dist/cli.js is missing; run npm run build first');
  process.exit(1);
}
const args = process.argv.slice(2);
const value = (flag) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
const compare = args.includes('--compare') || args.includes('--help') || args.includes('-h');
if (!compare && value('--threads') === undefined) args.push('--threads', '1');
if (!compare && value('--out') === undefined) args.push('--out', 'bench/results');

const threads = (value('--threads') ?? '1').split(',');
const cores = threads.includes('auto') ? 0 : Math.max(...threads.map(Number).filter(Number.isInteger), 1);
const pin = !compare && cores > 0 && cores <= availableParallelism() && spawnSync('taskset', ['--version']).status === 0
  ? ['taskset', '-c', cores === 1 ? '0' : `0-${cores - 1}`] : [];
const [cmd, ...rest] = [...pin, process.execPath, 'bin/simdnet.js', 'bench', ...args];
console.error(`bench: ${[cmd, ...rest].join(' ')}`);
const r = spawnSync(cmd, rest, { stdio: 'inherit' });
process.exit(r.status ?? 1);
