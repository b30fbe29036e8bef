// How fast each core runs right now: the register-only FMA probe (assembly/probe.ts) on this thread
// and on a worker at the same time, for about 10 ms. On a shared VM a core can run at 40% of its
// speed for seconds while the other runs at full speed (its host's other tenants), which a
// 2-thread round cannot tell from a slow program; the threads bench checks the cores around each
// round and reports the rounds that ran on two steady cores apart.
import { Worker } from 'node:worker_threads';
import probeRelaxed from '../build/probe-relaxed.wasm';
import probeSimd from '../build/probe-simd.wasm';

/** Flops per iteration: 12 chains × 4 lanes × 2. */
const FLOPS_PER_ITERATION = 12 * 4 * 2;
const ITERATIONS = 5_000_000;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const peak = new WebAssembly.Instance(new WebAssembly.Module(workerData)).exports.peak;
parentPort.on('message', (n) => { const t0 = performance.now(); peak(n, 0.5); parentPort.postMessage(performance.now() - t0); });
`;

export interface CoreCheck {
  /** GFLOP/s of this thread's core and the worker's, measured at the same time. */
  check(): Promise<[number, number]>;
  close(): Promise<number>;
}

export function coreCheck(): CoreCheck {
  const bytes = WebAssembly.validate(probeRelaxed) ? probeRelaxed : probeSimd;
  const peak = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.peak as (n: number, seed: number) => number;
  const worker = new Worker(WORKER, { eval: true, workerData: bytes });
  const rate = (ms: number) => (ITERATIONS * FLOPS_PER_ITERATION) / (ms / 1000) / 1e9;
  // One listener each, for the whole run: the probe in flight settles through them.
  let pending: { resolve(ms: number): void; reject(e: unknown): void } | undefined;
  worker.on('message', (ms: number) => pending?.resolve(ms));
  worker.on('error', (e) => pending?.reject(e));
  const once = () => new Promise<number>((resolve, reject) => {
    pending = { resolve, reject };
    worker.postMessage(ITERATIONS);
  });
  let warm = false;
  return {
    async check() {
      if (!warm) { for (let i = 0; i < 3; i++) await once(); peak(ITERATIONS, 0.5); warm = true; }
      const theirs = once(), t0 = performance.now();
      peak(ITERATIONS, 0.5);
      const mine = performance.now() - t0;
      return [rate(mine), rate(await theirs)];
    },
    close: () => worker.terminate(),
  };
}
