// Runs the benchmark suite and reports it as records (./records.ts): the same code in Node (`simdnet
// bench`) and in the demo page's worker; each environment gives the machine, the data, CPU time
// where it has it, and its peers. For each case every variant (our backends × thread counts, then
// the peers) is made ready, warmed up (which also sizes its runs to the time budget), and then
// measured in interleaved rounds: variant A, B, C, A, B, C, … so that a slow phase of a shared
// machine falls on all of them.
import { createBackend, detectFeatures, type Backend, type BackendName } from '../kernels/backend';
import { threadsAvailable } from '../kernels/threads';
import { CASES, type BenchCase, type Prepared } from './cases';
import type { BenchData } from './data';
import { measurePeak } from './peak';
import { isRefusal, type Peer, type PeerSource, type Refusal } from './peers';
import { BENCH_SCHEMA, variantLabel, type BenchRecord, type Engine, type Machine, type Peak, type ResultRecord, type UnavailableRecord, type WorkloadName } from './records';
import { median, sig, summary } from './stats';

/** Our backends, fastest first. */
export const OUR_BACKENDS: readonly BackendName[] = ['wasm-relaxed', 'wasm-simd', 'js'];

export interface Environment {
  /** The machine; the suite adds the features it detects. */
  machine: Omit<Machine, 'features'>;
  /** simdnet's version. */
  version: string;
  /** MNIST, or synthetic images where the files are missing. */
  loadData(): Promise<BenchData>;
  /** CPU seconds of the whole process (every thread), where the engine can tell. */
  cpuSeconds?: () => number;
  peers: readonly PeerSource[];
}

export interface SuiteOptions {
  workloads: readonly WorkloadName[];
  /** Our backends and peer names (expanded: no 'all'). */
  backends: readonly string[];
  /** Thread counts for our backends (1 and N); cases that cannot use threads run on 1. */
  threads: readonly number[];
  quick: boolean;
  /** Stops the suite between runs (it then throws the signal's reason). */
  signal?: AbortSignal;
}

export interface SuiteEvents {
  record(r: BenchRecord): void;
  /** A case's results, once all are recorded (a table can be printed). */
  caseDone?(results: ResultRecord[]): void;
  /** Runs done of runs planned, and what runs now. */
  progress?(done: number, total: number, text: string): void;
}

/** Seconds a measured run aims at, and rounds per variant. */
const BUDGET = { quick: { seconds: 0.05, rounds: 3, warmups: 1 }, full: { seconds: 1.5, rounds: 5, warmups: 2 } };

interface Variant {
  engine: Engine;
  backend: string;
  threads: number;
  prepared: Prepared;
  note?: string;
  items: number;
  runs: number[];
  cpu: number[];
}

/** Items per measured run: what fills the budget at the warm-up's pace, within the case's bounds; whole units above one unit. */
export function runItems(c: BenchCase, secondsPerItem: number, budget: number): number {
  let items = Math.round(budget / Math.max(secondsPerItem, 1e-9));
  items = Math.min(c.maxItems, Math.max(c.minItems, items));
  return items > c.unitItems ? Math.round(items / c.unitItems) * c.unitItems : items;
}

const yieldNow = () => new Promise<void>((r) => setTimeout(r, 0));

export async function runSuite(options: SuiteOptions, env: Environment, events: SuiteEvents): Promise<void> {
  const started = performance.now();
  const { quick, signal } = options;
  const plan = quick ? BUDGET.quick : BUDGET.full;
  const features = detectFeatures();
  const threading = threadsAvailable();
  const unavailable: UnavailableRecord[] = [];
  const refuse = (engine: Engine, backend: string, status: UnavailableRecord['status'], reason: string, c?: BenchCase) =>
    unavailable.push({ event: 'unavailable', engine, backend, status, ...(c && { workload: c.workload, case: c.id }), reason });

  // Our backends the engine runs, and the thread counts it allows.
  const ours = OUR_BACKENDS.filter((b) => options.backends.includes(b)).filter((b) => {
    const ok = b === 'js' || (b === 'wasm-simd' ? features.simd : features.relaxedSimd);
    if (!ok) refuse('simdnet', b, 'unsupported', b === 'wasm-simd' ? 'this engine has no WebAssembly SIMD' : 'this engine has no relaxed SIMD (Node 20: start node with --experimental-wasm-relaxed-simd; simdnet does)');
    return ok;
  });
  let threads = [...new Set(options.threads)].sort((a, b) => a - b);
  if (threads.some((t) => t > 1) && !threading.ok) {
    for (const t of threads.filter((n) => n > 1)) refuse('simdnet', `×${t} threads`, 'unsupported', threading.why);
    threads = [1];
  }

  const peak: Peak = await measurePeak(quick);
  const cases = CASES.filter((c) => options.workloads.includes(c.workload) && !(quick && c.full));
  const needsImages = cases.some((c) => c.workload !== 'gemm');
  const data = needsImages ? await env.loadData() : undefined;

  const peers: Peer[] = [];
  for (const source of env.peers) {
    if (!source.names.some((n) => options.backends.includes(n))) continue;
    for (const p of await source.load()) {
      if (!options.backends.includes(p.backend)) continue;
      if ('event' in p) unavailable.push(p);
      else peers.push(p);
    }
  }

  events.record({
    event: 'run', schema: BENCH_SCHEMA, simdnet: env.version, date: new Date().toISOString(), mode: quick ? 'quick' : 'full',
    workloads: [...options.workloads], backends: [...options.backends], threads,
    data: data?.source ?? null,
    machine: { ...env.machine, features: { ...features, threads: threading.ok, ...(!threading.ok && { threadsNote: threading.why }) } },
    peak,
  });
  const flush = () => { for (const r of unavailable.splice(0)) events.record(r); };
  flush();

  const backends = new Map<string, Backend>();
  const backendFor = async (name: BackendName, t: number) => {
    const key = `${name}/${t}`;
    if (!backends.has(key)) backends.set(key, await createBackend({ backend: name, threads: t }));
    return backends.get(key)!;
  };

  const perVariant = plan.warmups + plan.rounds;
  const countFor = (c: BenchCase) => ours.length * (c.threads ? threads.length : 1) + peers.length;
  let total = cases.reduce((n, c) => n + countFor(c) * perVariant, 0);
  let done = 0;
  let results = 0;
  const tick = (text: string) => events.progress?.(++done, total, text);

  try {
    for (const c of cases) {
      const variants: Variant[] = [];
      const add = (engine: Engine, backend: string, t: number, prepared: Prepared, note?: string) =>
        variants.push({ engine, backend, threads: t, prepared, note, items: 0, runs: [], cpu: [] });
      for (const name of ours) {
        for (const t of c.threads ? threads : [1]) add('simdnet', name, t, c.ours(await backendFor(name, t), data!));
      }
      for (const peer of peers) {
        let p: Prepared | Refusal | undefined;
        try {
          p = await peer.prepare(c, data!, quick);
        } catch (e) {
          p = { status: 'failed', reason: e instanceof Error ? e.message : String(e) };
        }
        if (p && !isRefusal(p)) add(peer.engine, peer.backend, 1, p, peer.note);
        else {
          total -= perVariant;
          if (p) refuse(peer.engine, peer.backend, p.status, p.reason, c);
        }
      }
      flush();
      if (!variants.length) continue;
      await measure(c, variants);
      for (const v of variants) v.prepared.dispose?.();
      const done = records(c, variants);
      for (const r of done) events.record(r);
      events.caseDone?.(done);
      results += done.length;
    }
  } finally {
    for (const b of backends.values()) b.dispose();
  }
  events.record({ event: 'done', seconds: sig((performance.now() - started) / 1000), results });

  /** Warm-ups (the first sizes the runs), then interleaved rounds. A peer that fails is dropped with a 'failed' record. */
  async function measure(c: BenchCase, variants: Variant[]): Promise<void> {
    const timed = async (v: Variant, items: number) => {
      signal?.throwIfAborted();
      await yieldNow(); // lets a stop request (a message, a signal) in between runs
      const cpu0 = env.cpuSeconds?.() ?? 0;
      const t0 = performance.now();
      await v.prepared.run(items);
      const wall = (performance.now() - t0) / 1000;
      return { wall, cpu: (env.cpuSeconds?.() ?? 0) - cpu0 };
    };
    const guarded = async (v: Variant, step: (v: Variant) => Promise<void>) => {
      try {
        await step(v);
        return true;
      } catch (e) {
        if (v.engine === 'simdnet' || signal?.aborted) throw e;
        refuse(v.engine, v.backend, 'failed', e instanceof Error ? e.message : String(e), c);
        total -= perVariant;
        v.prepared.dispose?.();
        return false;
      }
    };
    const keep = async (step: (v: Variant) => Promise<void>) => {
      for (const v of [...variants]) if (!(await guarded(v, step))) variants.splice(variants.indexOf(v), 1);
      flush();
    };
    const label = (v: Variant) => `${c.title}: ${variantLabel(v)}`;
    // The first warm-up grows its work (×2 at least, up to 3 times) until a run takes a quarter of
    // the budget: the first calls pay for compiling and tiering up, and would size the runs too small.
    await keep(async (v) => {
      let items = c.warmItems;
      let { wall } = await timed(v, items);
      for (let i = 0; i < 3 && wall < plan.seconds / 4 && items < c.maxItems; i++) {
        items = Math.min(c.maxItems, Math.max(2 * items, Math.round((items * plan.seconds) / 4 / Math.max(wall, 1e-6))));
        ({ wall } = await timed(v, items));
      }
      v.items = runItems(c, wall / items, plan.seconds);
      tick(`${label(v)}, warm-up`);
    });
    for (let w = 1; w < plan.warmups; w++) await keep(async (v) => { await timed(v, v.items); tick(`${label(v)}, warm-up`); });
    for (let r = 1; r <= plan.rounds; r++) {
      await keep(async (v) => {
        const { wall, cpu } = await timed(v, v.items);
        v.runs.push((wall * c.unitItems) / v.items);
        v.cpu.push((cpu * c.unitItems) / v.items);
        tick(`${label(v)}, run ${r}/${plan.rounds}`);
      });
    }
  }

  function records(c: BenchCase, variants: Variant[]): ResultRecord[] {
    const js = variants.find((v) => v.engine === 'simdnet' && v.backend === 'js' && v.threads === 1);
    const peakGflops = peak.fmaGflops ?? peak.muladdGflops;
    return variants.map((v) => {
      const s = summary(v.runs);
      const gflops = c.flopsPerItem === null ? null : (c.flopsPerItem * c.unitItems) / s.median / 1e9;
      return {
        event: 'result', workload: c.workload, case: c.id, title: c.title, engine: v.engine, backend: v.backend, threads: v.threads,
        unit: c.unit, unitItems: c.unitItems, itemsPerRun: v.items, runs: v.runs.map(sig),
        seconds: sig(s.median), min: sig(s.min), max: sig(s.max), spread: sig(s.spread),
        cpuSeconds: env.cpuSeconds ? sig(median(v.cpu)) : null,
        throughput: sig(c.unitItems / s.median), throughputUnit: c.throughputUnit,
        gflops: gflops === null ? null : sig(gflops),
        peakFraction: gflops === null || c.effectiveFlops ? null : sig(gflops / (v.threads * peakGflops)),
        vsJs: js ? sig(median(js.runs) / s.median) : null,
        data: c.workload === 'gemm' || !data ? 'synthetic' : data.source,
        ...(v.note && { note: v.note }),
      };
    });
  }
}
