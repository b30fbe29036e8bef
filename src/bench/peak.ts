// This machine's register-only SIMD peak, probed in the running process so that "percent of peak"
// compares figures of the same engine, flags and CPU state. The probe (assembly/probe.ts: 12
// independent accumulator chains, no memory traffic) is built twice like the kernels: fused
// multiply-add (relaxed SIMD) and mul + add. Its bytes are inlined (a few hundred each), so the
// installed package probes without a compiler.
import probeSimd from '../../build/probe-simd.wasm';
import probeRelaxed from '../../build/probe-relaxed.wasm';
import { median } from './stats';
import type { Peak } from './records';

/** Flops per iteration: 12 chains × 4 lanes × 2 (multiply and add). */
const FLOPS_PER_ITERATION = 12 * 4 * 2;

async function probe(bytes: Uint8Array<ArrayBuffer>, iterations: number, runs: number): Promise<number | null> {
  if (!WebAssembly.validate(bytes)) return null;
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const peak = instance.exports.peak as (n: number, seed: number) => number;
  for (let i = 0; i < 3; i++) peak(iterations / 10, 0.5); // tier up
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    peak(iterations, 0.5);
    rates.push((iterations * FLOPS_PER_ITERATION) / ((performance.now() - t0) / 1000) / 1e9);
  }
  return median(rates);
}

/** The median of `runs` probes of each build (about 40 ms each at 20M iterations on a 2020s core). */
export async function measurePeak(quick: boolean): Promise<Peak> {
  const [iterations, runs] = quick ? [5_000_000, 5] : [20_000_000, 7];
  const round = (x: number | null) => (x === null ? null : +x.toFixed(2));
  return {
    fmaGflops: round(await probe(probeRelaxed, iterations, runs)),
    muladdGflops: round(await probe(probeSimd, iterations, runs))!,
  };
}
