// The JSON lines of `simdnet bench` (docs/bench.md; JSON Schema: docs/bench-schema.json). One
// 'run' line first (the machine, the probed peak, what was asked), then a line per measured
// case × variant ('result') or per variant that could not run ('unavailable'), then 'done'.

/** Bumped when a field changes meaning or goes away (new optional fields do not bump it). */
export const BENCH_SCHEMA = 1;

export const WORKLOADS = ['gemm', 'epoch', 'cnn', 'eurnn', 'inference'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/** Who computes: our backends, or a peer library measured beside them. */
export type Engine = 'simdnet' | 'tfjs' | 'onnxruntime';

export interface Machine {
  /** CPU model (Node: os.cpus()); null where the engine does not say (browsers). */
  cpu: string | null;
  /** Cores this process may use (os.availableParallelism, navigator.hardwareConcurrency). */
  cores: number;
  /** 'linux x64', or the browser's platform. */
  platform: string;
  /** 'node 20.20.0' or the browser's user agent. */
  runtime: string;
  /** JavaScript/WebAssembly engine: 'V8 11.3.244.8-node.33' (null where unknown). */
  engine: string | null;
  features: {
    simd: boolean;
    relaxedSimd: boolean;
    /** Whether backends with threads can start here (SharedArrayBuffer, workers). */
    threads: boolean;
    /** Why not, when threads is false. */
    threadsNote?: string;
  };
}

/** Register-only GFLOP/s of one core (assembly/probe.ts): fused multiply-add and mul + add chains. */
export interface Peak {
  fmaGflops: number | null;
  muladdGflops: number;
}

export interface RunRecord {
  event: 'run';
  schema: typeof BENCH_SCHEMA;
  simdnet: string;
  date: string;
  /** 'quick' (small work, 3 runs) or 'full' (warm-ups, ≥ 5 interleaved runs). */
  mode: 'quick' | 'full';
  workloads: WorkloadName[];
  /** Backends and peers asked for (after 'all' was expanded). */
  backends: string[];
  threads: number[];
  /** 'mnist': the real files; 'synthetic': seeded images of the same shapes (the data is not installed); null: no case read images (GEMM only). */
  data: 'mnist' | 'synthetic' | null;
  machine: Machine;
  peak: Peak;
}

export interface ResultRecord {
  event: 'result';
  workload: WorkloadName;
  /** Stable id of the case within its workload, e.g. 'seed-004-epoch', 'gemm-256'. */
  case: string;
  /** Human title, e.g. 'seed-004 MLP epoch (50,000 images, batch 64)'. */
  title: string;
  engine: Engine;
  /** Our backend name, or the peer's: 'tfjs-wasm', 'tfjs-cpu', 'onnxruntime-node', 'onnxruntime-web'. */
  backend: string;
  threads: number;
  /** What one figure is the time of: 'epoch', 'call', 'image', 'step', 'batch'. */
  unit: string;
  /** Items (images, sequences, calls) in one unit: 50,000 for an epoch. */
  unitItems: number;
  /** Items measured per run; when less than unitItems, times are scaled to the unit. */
  itemsPerRun: number;
  /** Seconds per unit of each run, in run order. */
  runs: number[];
  /** Median seconds per unit, and the extremes of the runs. */
  seconds: number;
  min: number;
  max: number;
  /** (max − min) / median. */
  spread: number;
  /** Median CPU seconds per unit (every thread of the process); null where not measurable (browsers). */
  cpuSeconds: number | null;
  /** Items per second at the median. */
  throughput: number;
  throughputUnit: string;
  /** Floating-point operations per second at the median (null where the case has no flop count). */
  gflops: number | null;
  /** gflops / (threads × the FMA peak; the mul + add peak where FMA is missing); null for an effective rate (BenchCase.effectiveFlops). */
  peakFraction: number | null;
  /** Our js backend's median seconds (1 thread) / this one's: the speed-up over the pure-TS path. */
  vsJs: number | null;
  /** The images the case read ('synthetic' for GEMM: seeded operands). */
  data: 'mnist' | 'synthetic';
  /** The peer's version and settings. */
  note?: string;
}

export interface UnavailableRecord {
  event: 'unavailable';
  engine: Engine;
  backend: string;
  /** 'not installed' (a peer package is missing), 'unsupported' (by the engine), 'skipped' (by --quick) or 'failed'. */
  status: 'not installed' | 'unsupported' | 'skipped' | 'failed';
  /** The workload and case it concerns; absent when the whole backend is missing. */
  workload?: WorkloadName;
  case?: string;
  reason: string;
}

export interface DoneRecord {
  event: 'done';
  seconds: number;
  results: number;
}

export type BenchRecord = RunRecord | ResultRecord | UnavailableRecord | DoneRecord;

/** Variant label: 'wasm-relaxed', 'wasm-relaxed ×2'. */
export const variantLabel = (r: { backend: string; threads: number }): string => (r.threads > 1 ? `${r.backend} ×${r.threads}` : r.backend);
