/**
 * Elementwise kernels give each element the same value wherever it falls in the array: run over
 * a whole array, and over the same array cut into ranges (so that elements move between the SIMD
 * body and the last 1–3), the results are equal bit for bit. Model-parallel training relies on it:
 * its threads step and activate ranges whose bounds move with the split (parallel-model.ts), and
 * the weights must not depend on the split. (A scalar tail once computed tanh with Mathf.tanh
 * against the body's polynomial, and Adam's g² in another order.)
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createBackend, detectFeatures, type Backend, type BackendChoice } from '../src/kernels/backend';
import type { Kernels } from '../src/kernels/kernels';
import { Rng } from '../src/rng';

// As kernels.test.ts: SIMDNET_BACKENDS when set (the relaxed project), else js, wasm-simd and wasm-relaxed where it runs.
const fromEnv = (process.env.SIMDNET_BACKENDS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const BACKENDS = (fromEnv.length > 0 ? fromEnv : ['js', 'wasm-simd', ...(detectFeatures().relaxedSimd ? ['wasm-relaxed'] : [])]) as BackendChoice[];

/** A kernel over `arrays` float arrays of `count` elements at the given byte offsets (in place where it writes). */
interface Elementwise {
  arrays: number;
  /** Values that keep the kernel in its domain (second moments ≥ 0). */
  positive?: number[];
  run(k: Kernels, count: number, p: number[]): void;
}

const KERNELS: Record<string, Elementwise> = {
  reluForward: { arrays: 2, run: (k, n, [x, y]) => k.reluForward(n, x, y) },
  reluBackward: { arrays: 3, run: (k, n, [y, dy, dx]) => k.reluBackward(n, y, dy, dx) },
  leakyReluForward: { arrays: 2, run: (k, n, [x, y]) => k.leakyReluForward(n, x, y, 0.01) },
  leakyReluBackward: { arrays: 3, run: (k, n, [y, dy, dx]) => k.leakyReluBackward(n, y, dy, dx, 0.01) },
  tanhForward: { arrays: 2, run: (k, n, [x, y]) => k.tanhForward(n, x, y) },
  tanhBackward: { arrays: 3, run: (k, n, [y, dy, dx]) => k.tanhBackward(n, y, dy, dx) },
  sigmoidForward: { arrays: 2, run: (k, n, [x, y]) => k.sigmoidForward(n, x, y) },
  sigmoidBackward: { arrays: 3, run: (k, n, [y, dy, dx]) => k.sigmoidBackward(n, y, dy, dx) },
  sgd: { arrays: 2, run: (k, n, [p, g]) => k.sgd(n, p, g, 0.1) },
  momentum: { arrays: 3, run: (k, n, [p, g, v]) => k.momentum(n, p, g, v, 0.1, 0.9, 1) },
  adam: { arrays: 4, positive: [3], run: (k, n, [p, g, m, v]) => k.adam(n, p, g, m, v, 0.01, 0.9, 0.999, 1e-8, 3) },
  adamw: { arrays: 4, positive: [3], run: (k, n, [p, g, m, v]) => k.adamw(n, p, g, m, v, 0.01, 0.9, 0.999, 1e-8, 3, 0.01) },
  rmsprop: { arrays: 3, positive: [2], run: (k, n, [p, g, s]) => k.rmsprop(n, p, g, s, 0.01, 0.99, 1e-8) },
  weightedSum: { arrays: 3, run: (k, n, [a, b, y]) => k.weightedSum(n, a, b, y, 0.3, 0.7) },
};

const COUNT = 23;
/** Cuts of 0 … COUNT into ranges: each moves some elements from a range's last 1–3 into another's body. */
const CUTS = [[5], [1, 2, 3], [3, 11], [2, 9, 14, 22], [7, 8, 15]];

describe.each(BACKENDS)('elementwise kernels on %s: an element\'s value does not depend on its position', (name) => {
  let backend: Backend;
  beforeAll(async () => { backend = await createBackend(name); });
  afterAll(() => backend.dispose());

  it.each(Object.keys(KERNELS))('%s', (kernel) => {
    const { arrays, positive = [], run } = KERNELS[kernel];
    const rng = new Rng(kernel.length);
    // Values around the kernels' branch points (tanh's |x| < 0.3, relu's 0), some exact zeros.
    const inputs = Array.from({ length: arrays }, (_, a) => Float32Array.from({ length: COUNT }, (_, i) => {
      const x = i % 7 === 3 ? 0 : (rng.next() - 0.5) * 4;
      return positive.includes(a) ? Math.abs(x) : x;
    }));
    const work = backend.heap.group('positions');
    try {
      const ptrs = inputs.map(() => work.allocF32(COUNT, 'array'));
      const load = () => inputs.forEach((x, a) => backend.heap.write(ptrs[a], x));
      const read = () => ptrs.map((p) => Array.from(backend.heap.read(p, COUNT)));
      load();
      run(backend.rawKernels, COUNT, ptrs);
      const whole = read();
      for (const cut of CUTS) {
        load();
        const bounds = [0, ...cut, COUNT];
        for (let r = 0; r + 1 < bounds.length; r++) run(backend.rawKernels, bounds[r + 1] - bounds[r], ptrs.map((p) => p + bounds[r] * 4));
        expect(read(), `ranges ${bounds.join(' | ')}`).toEqual(whole);
      }
    } finally {
      work.release();
    }
  });
});
