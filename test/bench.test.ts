// `simdnet bench`: its arguments, a --quick --json run checked against docs/bench-schema.json (and
// its --out files), --compare on two fixture runs, and the suite's pieces.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from './support/json-schema';
import { runItems } from '../src/bench/suite';
import { CASES } from '../src/bench/cases';
import { syntheticData } from '../src/bench/data';
import { summary } from '../src/bench/stats';
import { compareRuns, formatSeconds, parseRecords } from '../src/bench/format';
import type { BenchRecord, ResultRecord, RunRecord } from '../src/bench/records';

const BIN = fileURLToPath(new URL('../bin/simdnet.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'bench', ...args], { encoding: 'utf8', timeout: 600_000 });
const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../docs/bench-schema.json', import.meta.url)), 'utf8'));
const fixture = (name: string) => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const lines = (text: string): BenchRecord[] => text.trim().split('\n').map((l) => JSON.parse(l));

describe('simdnet bench: arguments', () => {
  it.each([
    [['frobnicate'], /unknown workload 'frobnicate'; expected gemm, epoch, cnn, eurnn, inference or all/],
    [['--backend', 'cuda'], /--backend: unknown backend 'cuda'; expected a comma-separated list of wasm-relaxed, wasm-simd, js, tfjs-wasm, tfjs-cpu, onnxruntime-node/],
    [['--threads', '0'], /--threads must be an integer in 1…64, got '0'/],
    [['--threads', '1,x'], /--threads must be an integer in 1…64, got 'x'/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--out', ''], /--out needs a directory/],
    [['--compare', fixture('bench-a.jsonl')], /--compare takes two results files .*got 1/],
  ])('%j: one line, exit code 2', (args, message) => {
    const r = run(...args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--compare with a missing or foreign file: one line, exit code 1', () => {
    const missing = run('--compare', fixture('bench-a.jsonl'), '/nonexistent/b.jsonl');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\/b\.jsonl/);
    const foreign = join(mkdtempSync(join(tmpdir(), 'simdnet-bench-')), 'x.jsonl');
    writeFileSync(foreign, '{"event":"epoch"}\n');
    const r = run('--compare', fixture('bench-a.jsonl'), foreign);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no 'run' record: not the output of simdnet bench --json/);
  });

  it('--help lists the workloads, backends and flags', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    for (const word of ['epoch|inference|gemm|cnn|eurnn|all', '--backend', '--threads', '--quick', '--json', '--out', '--compare', 'tfjs-wasm', 'onnxruntime']) expect(r.stdout).toContain(word);
  });
});

describe('simdnet bench --compare', () => {
  it('prints the ratio of each case and variant the two runs share', () => {
    const r = run('--compare', fixture('bench-a.jsonl'), fixture('bench-b.jsonl'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('a: simdnet 0.1.0, 2026-12-01, full, Machine A CPU');
    expect(r.stdout).toContain('b: simdnet 0.1.0, 2026-12-02, full, Machine B CPU');
    expect(r.stdout).toMatch(/wasm-relaxed\s+1\.50 ms\s+1\.20 ms\s+1\.25/);
    expect(r.stdout).toMatch(/js\s+100 ms\s+100 ms\s+1\.00/);
    expect(r.stdout).not.toContain('seed-004'); // only in a
    expect(r.stdout).not.toContain('MLP'); // only in b
  });

  it('--json gives one line per pair', () => {
    const r = run('--compare', fixture('bench-a.jsonl'), fixture('bench-b.jsonl'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = lines(r.stdout) as unknown as { event: string; case: string; variant: string; speedup: number }[];
    expect(out.map((c) => [c.event, c.case, c.variant])).toEqual([['compare', 'gemm-256', 'wasm-relaxed'], ['compare', 'gemm-256', 'js']]);
    expect(out[0].speedup).toBeCloseTo(1.25, 6);
  });

  it('the fixtures are valid records', () => {
    for (const f of ['bench-a.jsonl', 'bench-b.jsonl']) for (const rec of lines(readFileSync(fixture(f), 'utf8'))) expect(validate(rec, schema)).toEqual([]);
  });
});

describe('simdnet bench --quick --json --out', () => {
  let records: BenchRecord[];
  let out: string;
  let stderr: string;
  beforeAll(() => {
    out = join(mkdtempSync(join(tmpdir(), 'simdnet-bench-')), 'out');
    const r = run('--quick', '--json', '--out', out);
    stderr = r.stderr;
    expect(r.status, r.stderr).toBe(0);
    records = lines(r.stdout);
  }, 600_000);

  it('prints records that validate against docs/bench-schema.json: run first, done last', () => {
    for (const rec of records) expect(validate(rec, schema), JSON.stringify(rec)).toEqual([]);
    expect(records[0].event).toBe('run');
    expect(records.at(-1)!.event).toBe('done');
    expect(stderr).toContain(`wrote ${out}/results.jsonl, ${out}/index.html`);
  });

  it('measures every workload on every backend the engine runs, against js and the probed peak', () => {
    const runRec = records[0] as Extract<BenchRecord, { event: 'run' }>;
    expect(runRec).toMatchObject({ mode: 'quick', data: 'mnist', workloads: ['gemm', 'epoch', 'cnn', 'eurnn', 'inference'] });
    expect(runRec.machine.cores).toBeGreaterThanOrEqual(1);
    expect(runRec.machine.features).toMatchObject({ simd: true, relaxedSimd: true });
    expect(runRec.peak.fmaGflops).toBeGreaterThan(0);
    const results = records.filter((r): r is ResultRecord => r.event === 'result');
    const quickCases = CASES.filter((c) => !c.full).map((c) => c.id);
    for (const backend of ['wasm-relaxed', 'wasm-simd', 'js']) {
      expect(results.filter((r) => r.backend === backend && r.threads === 1).map((r) => r.case)).toEqual(quickCases);
    }
    for (const r of results.filter((x) => x.engine === 'simdnet')) {
      expect(r.runs).toHaveLength(3);
      expect(r.vsJs).toBeGreaterThan(0);
      if (r.backend === 'js' && r.threads === 1) expect(r.vsJs).toBe(1);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.cpuSeconds).toBeGreaterThan(0);
      expect(r.gflops === null).toBe(r.workload === 'eurnn');
    }
    // Threads: each case that splits rows also runs on every core (this machine has at least 2 unless pinned).
    if (runRec.threads.length > 1) expect(results.some((r) => r.threads > 1 && r.workload === 'epoch')).toBe(true);
  });

  it('lists peers: measured where installed, "not installed" otherwise, with reasons where a case cannot run', () => {
    const peers = records.filter((r) => (r.event === 'result' || r.event === 'unavailable') && r.engine !== 'simdnet') as (ResultRecord | Extract<BenchRecord, { event: 'unavailable' }>)[];
    // TensorFlow.js is a devDependency: both its backends run.
    expect(peers.some((r) => r.event === 'result' && r.backend === 'tfjs-wasm' && r.case === 'seed-004-epoch')).toBe(true);
    expect(peers.some((r) => r.event === 'result' && r.backend === 'tfjs-cpu' && r.case === 'mlp-10k')).toBe(true);
    expect(peers).toContainEqual(expect.objectContaining({ event: 'unavailable', backend: 'tfjs-wasm', case: 'cnn-epoch', status: 'unsupported' }));
    expect(peers).toContainEqual(expect.objectContaining({ event: 'unavailable', backend: 'tfjs-cpu', case: 'cnn-epoch', status: 'skipped' }));
    // onnxruntime-node (a devDependency since ONNX export): every inference case, on the network exported by toOnnx.
    const ort = peers.filter((r) => r.backend === 'onnxruntime-node');
    expect(ort.length).toBeGreaterThan(0);
    expect(ort.every((r) => r.event === 'result' || r.status === 'not installed')).toBe(true);
    if (ort[0].event === 'result') expect(ort.map((r) => (r as ResultRecord).case)).toEqual(CASES.filter((c) => c.workload === 'inference').map((c) => c.id));
    expect(peers.filter((r) => r.event === 'unavailable' && r.status === 'failed')).toEqual([]);
  });

  it('--out wrote the same records and a page with a table per case and a chart per workload', () => {
    expect(lines(readFileSync(join(out, 'results.jsonl'), 'utf8'))).toEqual(records);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html.match(/<table>/g)?.length).toBe(CASES.filter((c) => !c.full).length);
    expect(html.match(/<svg/g)?.length).toBe(5);
    expect(html).toContain('GEMM 256³');
  });
});

describe('simdnet bench: threads, backends the engine lacks', () => {
  it('--threads 1,2 measures the cases that split rows at both counts (GEMM calls on one)', () => {
    const r = run('epoch', 'gemm', '--quick', '--json', '--threads', '1,2', '--backend', 'wasm-simd');
    expect(r.status, r.stderr).toBe(0);
    const results = lines(r.stdout).filter((x): x is ResultRecord => x.event === 'result');
    expect(results.filter((x) => x.case === 'seed-004-epoch').map((x) => x.threads)).toEqual([1, 2]);
    expect(results.filter((x) => x.workload === 'gemm').every((x) => x.threads === 1)).toBe(true);
    const two = results.find((x) => x.threads === 2)!;
    expect(two.vsJs).toBeNull(); // js did not run
    expect(two.peakFraction).toBeCloseTo(two.gflops! / (2 * (lines(r.stdout)[0] as RunRecord).peak.fmaGflops!), 3);
  });

  // SIMDNET_NO_RELAXED only keeps bin/simdnet.js from adding Node 20's flag: Node 22 has relaxed SIMD unflagged.
  it.skipIf(Number(process.versions.node.split('.')[0]) >= 22)('without relaxed SIMD (SIMDNET_NO_RELAXED: no engine flag), wasm-relaxed is listed as unsupported and the rest runs', () => {
    const r = spawnSync(process.execPath, [BIN, 'bench', 'gemm', '--quick', '--json', '--backend', 'wasm,js'], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, SIMDNET_NO_RELAXED: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const records = lines(r.stdout);
    expect((records[0] as RunRecord).peak.fmaGflops).toBeNull();
    expect(records).toContainEqual(expect.objectContaining({ event: 'unavailable', backend: 'wasm-relaxed', status: 'unsupported' }));
    const results = records.filter((x): x is ResultRecord => x.event === 'result');
    expect(new Set(results.map((x) => x.backend))).toEqual(new Set(['wasm-simd', 'js']));
    const simd = results.find((x) => x.backend === 'wasm-simd')!;
    expect(simd.peakFraction).toBeCloseTo(simd.gflops! / (records[0] as RunRecord).peak.muladdGflops, 3);
  });
});

describe('the built package', () => {
  /** An entry and every chunk it imports statically. */
  const graph = (entry: string) => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)\s*(?:[\w*{}\s,$]*from\s*)?["'](\.{1,2}\/[^"']+)["']/g)) visit(join(dirname(file), m[1]));
    };
    visit(fileURLToPath(new URL(`../dist/${entry}`, import.meta.url)));
    return [...seen].map((f) => readFileSync(f, 'utf8')).join('\n');
  };
  // The probe builds are inlined as base64 (esbuild's binary loader): "\0asm\x01\0\0\0" is AGFzbQEAAAA.
  it('dist/bench.js (the Benchmark page\'s) reaches no node: module and carries the two probe builds', () => {
    const text = graph('bench.js');
    expect(text).not.toMatch(/["']node:/);
    expect(text.match(/AGFzbQEAAAA/g)?.length).toBe(2);
  });

  it('the core carries none of the bench (no probe)', () => {
    expect(graph('index.js')).not.toContain('AGFzbQEAAAA');
  });
});

describe('the suite\'s pieces', () => {
  it('runItems fills the budget within the case\'s bounds, whole units above one', () => {
    const epoch = CASES.find((c) => c.id === 'seed-004-epoch')!;
    expect(runItems(epoch, 8e-6, 1.5)).toBe(50_000); // wasm: the whole epoch
    expect(runItems(epoch, 4e-4, 1.5)).toBe(3750); // js: part of it, scaled
    expect(runItems(epoch, 1, 1.5)).toBe(epoch.minItems);
    const eurnn = CASES.find((c) => c.id === 'eurnn-step')!;
    expect(runItems(eurnn, 0.0023, 1.5)).toBe(500); // 652 → whole steps of 100, at most 5
    expect(runItems(eurnn, 0.006, 1.5)).toBe(300); // 250 → 300
    expect(runItems(eurnn, 0.02, 1.5)).toBe(75);
  });

  it('summary gives the median, extremes and relative spread', () => {
    expect(summary([3, 1, 2, 10])).toEqual({ median: 2.5, min: 1, max: 10, spread: 9 / 2.5 });
  });

  it('synthetic data has MNIST\'s shapes and share of zero pixels, from a seed', () => {
    const d = syntheticData(1);
    expect([d.train.count, d.test.count, d.source]).toEqual([50_000, 10_000, 'synthetic']);
    expect(d.train.shape).toEqual([28, 28, 1]);
    let nonzero = 0;
    for (let i = 0; i < 784 * 1000; i++) if (d.train.x[i]) nonzero++;
    expect(nonzero / (784 * 1000)).toBeCloseTo(0.19, 2);
    expect(Buffer.compare(syntheticData(1).test.x as Uint8Array, d.test.x as Uint8Array)).toBe(0); // (toEqual is slow on 7.8 MB)
  });

  it('formats times and reads results files', () => {
    expect([formatSeconds(16.3), formatSeconds(0.385), formatSeconds(4.7e-6)]).toEqual(['16.3 s', '385 ms', '4.70 µs']);
    const a = parseRecords(readFileSync(fixture('bench-a.jsonl'), 'utf8'), 'a');
    const asArray = parseRecords(JSON.stringify(a), 'a.json');
    expect(compareRuns(a, asArray).every((c) => c.speedup === 1)).toBe(true);
    expect(() => parseRecords('{oops', 'x.jsonl')).toThrow(/x\.jsonl: not JSON lines of simdnet bench/);
  });

  it('the schema checker finds problems (it can fail)', () => {
    const rec = JSON.parse(readFileSync(fixture('bench-a.jsonl'), 'utf8').split('\n')[1]);
    expect(validate({ ...rec, seconds: -1 }, schema).join()).toMatch(/seconds: -1 < 0/);
    expect(validate({ ...rec, extra: 1 }, schema).join()).toMatch(/unexpected property 'extra'/);
    const { vsJs: _, ...missing } = rec;
    expect(validate(missing, schema).join()).toMatch(/missing 'vsJs'/);
  });
});
