// GEMM GFLOP/s for js, wasm-simd and wasm-relaxed at the layer shapes of the seed network and at
// 256³ and 1024³, interleaved round-robin, medians; each figure also as a fraction of the peak
// measured in the same process (FMA peak for relaxed, mul + add peak otherwise).
import { createBackend, detectFeatures, type Backend, type BackendName } from '../src/kernels/backend';
import { Rng } from '../src/rng';
import { emit, measurePeak, median, progress } from './support';

interface Shape { label: string; transA: number; transB: number; m: number; n: number; k: number }
const SHAPES: Shape[] = [
  { label: 'forward 64×80×784', transA: 0, transB: 0, m: 64, n: 80, k: 784 },
  { label: 'dX 64×784×80', transA: 0, transB: 1, m: 64, n: 784, k: 80 },
  { label: 'dW 784×80×64', transA: 1, transB: 0, m: 784, n: 80, k: 64 },
  { label: '256³', transA: 0, transB: 0, m: 256, n: 256, k: 256 },
  { label: '1024³', transA: 0, transB: 0, m: 1024, n: 1024, k: 1024 },
];
const ROUNDS = 7;

const names: BackendName[] = ['js', 'wasm-simd', ...(detectFeatures().relaxedSimd ? ['wasm-relaxed' as const] : [])];
const backends: Backend[] = [];
for (const n of names) backends.push(await createBackend(n));
progress(`gemm: backends ${names.join(', ')}; measuring the peak…`);
const peak = await measurePeak();
emit({ bench: 'peak', fmaGflops: peak.fma, muladdGflops: peak.muladd });

const rng = new Rng(1);
const results = new Map<string, number[]>();
for (const shape of SHAPES) {
  const { m, n, k } = shape;
  const flops = 2 * m * n * k;
  const regions = backends.map((b) => {
    const group = b.heap.group(`gemm ${shape.label}`);
    const A = group.allocF32From(Float32Array.from({ length: m * k }, () => rng.uniform(-1, 1)));
    const B = group.allocF32From(Float32Array.from({ length: k * n }, () => rng.uniform(-1, 1)));
    return { group, A, B, C: group.allocF32(m * n) };
  });
  for (let round = 0; round < ROUNDS; round++) {
    backends.forEach((b, i) => {
      // js is ~50× slower: fewer calls, and only 3 rounds at 1024³ (≈ 10 s each).
      if (b.name === 'js' && shape.m === 1024 && round >= 3) return;
      const target = b.name === 'js' ? 0.3e9 : 3e9;
      const reps = Math.max(1, Math.round(target / flops));
      const { A, B, C } = regions[i];
      const kernels = b.rawKernels;
      kernels.gemm(shape.transA, shape.transB, m, n, k, A, B, C, 0); // warm
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) kernels.gemm(shape.transA, shape.transB, m, n, k, A, B, C, 0);
      const seconds = (performance.now() - t0) / 1000 / reps;
      const key = `${shape.label}|${b.name}`;
      results.set(key, [...(results.get(key) ?? []), seconds]);
    });
  }
  regions.forEach((r) => r.group.release());
  for (const b of backends) {
    const runs = results.get(`${shape.label}|${b.name}`)!;
    const seconds = median(runs);
    const gflops = flops / seconds / 1e9;
    const peakKind = b.name === 'wasm-relaxed' ? 'fma' : 'muladd';
    const p = peakKind === 'fma' ? peak.fma : peak.muladd;
    emit({
      bench: 'gemm', shape: shape.label, m, n, k, transA: shape.transA, transB: shape.transB, backend: b.name,
      gflops: +gflops.toFixed(2), medianSeconds: +seconds.toExponential(4), rounds: runs.length,
      fractionOfPeak: p ? +(gflops / p).toFixed(3) : null, peakKind,
    });
  }
  progress(`gemm: ${shape.label} done`);
}

const at256 = (name: string) => median(results.get(`256³|${name}`) ?? [NaN]);
emit({
  bench: 'gemm-summary',
  peak,
  wasmSimdVsJsAt256: +(at256('js') / at256('wasm-simd')).toFixed(1),
  wasmRelaxedVsJsAt256: names.includes('wasm-relaxed') ? +(at256('js') / at256('wasm-relaxed')).toFixed(1) : null,
  wasmBytes: { simd: (await import('node:fs')).statSync('build/simd.wasm').size, relaxed: (await import('node:fs')).statSync('build/relaxed.wasm').size },
});
