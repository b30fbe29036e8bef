// Shared by the benchmarks: timing, medians, the peak probe.
import { readFileSync } from 'node:fs';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Prints one JSON line on stdout. */
export function emit(record: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(record) + '\n');
}

export const progress = (msg: string) => process.stderr.write(msg + '\n');

/**
 * The machine's register-only peak (GFLOP/s) from build/probe-*.wasm (built by scripts/bench.mjs
 * from assembly/probe.ts): independent FMA chains (relaxed build) and mul + add chains (plain SIMD).
 * Median of 7 runs after warm-up.
 */
export async function measurePeak(): Promise<{ fma: number | null; muladd: number }> {
  const run = async (variant: string) => {
    let bytes: Uint8Array<ArrayBuffer>;
    try { bytes = new Uint8Array(readFileSync(`build/probe-${variant}.wasm`)); } catch { return null; }
    if (!WebAssembly.validate(bytes)) return null;
    const { instance } = (await WebAssembly.instantiate(bytes, {})) as WebAssembly.WebAssemblyInstantiatedSource;
    const peak = instance.exports.peak as (n: number, seed: number) => number;
    const iterations = 20_000_000;
    for (let i = 0; i < 3; i++) peak(iterations / 10, 0.5); // tier up
    const rates = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      peak(iterations, 0.5);
      rates.push((iterations * 12 * 8) / ((performance.now() - t0) / 1000) / 1e9);
    }
    return median(rates);
  };
  return { fma: await run('relaxed'), muladd: (await run('simd'))! };
}
