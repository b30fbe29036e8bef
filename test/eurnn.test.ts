// The EURNN model (src/nn/eurnn.ts): gradients against central differences on tiny instances,
// norm preservation of the unitary layer over 784 steps, backend parity, determinism, training.
import { describe, it, expect } from 'vitest';
import { createBackend, detectFeatures, type Backend, type BackendChoice } from '../src/kernels/backend';
import { Eurnn } from '../src/nn/eurnn';
import { trainEurnn } from '../src/nn/eurnn-train';
import { loadMnist } from '../src/data/mnist-node';
import { permutePixels, take } from '../src/data/dataset';
import { Rng } from '../src/rng';

const BACKENDS: BackendChoice[] = ['js', 'wasm-simd', ...(detectFeatures().relaxedSimd ? ['wasm-relaxed' as const] : [])];

/** A tiny model with random angles and modReLU biases in [−0.15, 0.3] (so some units clip). */
function tiny(backend: Backend, capacity: number, inputSize: number, seed: number): Eurnn {
  const m = new Eurnn(backend, { hidden: 8, capacity, inputSize, classes: 4, seed });
  const rng = new Rng(seed + 100);
  const p = m.getParams();
  const bias = m.tensors.find((t) => t.name === 'modrelu.bias')!;
  for (let i = 0; i < bias.count; i++) p[bias.offset + i] = rng.uniform(-0.15, 0.3);
  m.setParams(p);
  return m;
}

describe('EURNN gradients', () => {
  for (const [capacity, inputSize] of [[1, 1], [2, 1], [3, 2], [2, 2]] as const) {
    it(`match central differences: N = 8, capacity ${capacity}, D = ${inputSize}, 10 steps, batch 3 (js backend)`, async () => {
      const backend = await createBackend('js');
      const model = tiny(backend, capacity, inputSize, 7 + capacity);
      const rows = 3, steps = 10, stride = steps * inputSize;
      const rng = new Rng(capacity * 10 + inputSize);
      const x = backend.heap.allocF32From(Array.from({ length: rows * stride }, () => rng.uniform(0, 1)));
      const labels = [0, 3, 1];
      const lossAt = (p: Float32Array) => { model.setParams(p); return model.evaluate(x, stride, rows, steps, labels).loss; };
      const p0 = model.getParams();
      model.lossAndGradient(x, stride, rows, steps, labels);
      const analytic = model.getGrads();
      // The loss is curved (the state grows through the steps), so plain central differences in
      // f32 are too coarse: Richardson extrapolation of two step sizes cancels the h² error term.
      const central = (i: number, h: number) => {
        const plus = p0.slice(); plus[i] += h;
        const minus = p0.slice(); minus[i] -= h;
        return (lossAt(plus) - lossAt(minus)) / (2 * h);
      };
      // modReLU makes the loss non-smooth at the scale of a step where a unit crosses its clipping
      // threshold, or where |z| comes near 0 (curvature ~1/ε there). Such coordinates show up as
      // extrapolations from (h/2, h) and (h, 2h) that disagree; they are skipped (counted, and
      // most must be checked).
      let checked = 0, kinks = 0;
      for (const t of model.tensors) {
        for (let s = 0; s < Math.min(6, t.count); s++) {
          const i = t.offset + Math.floor(rng.next() * t.count);
          const d01 = central(i, 1e-4), d05 = central(i, 5e-4), d1 = central(i, 1e-3), d2 = central(i, 2e-3);
          const fd = (4 * d1 - d2) / 3, fdFine = (4 * d05 - d1) / 3;
          const smooth =
            Math.abs(fd - fdFine) <= 0.01 * (Math.abs(fd) + Math.abs(fdFine)) + 5e-4 &&
            Math.abs(d01 - d1) <= 0.02 * (Math.abs(d01) + Math.abs(d1)) + 2e-3; // d01 is noisier (f32 loss)
          if (!smooth) { kinks++; continue; }
          const an = analytic[i];
          const rel = Math.abs(fd - an) / (Math.abs(fd) + Math.abs(an) + 1e-3);
          expect(rel, `${t.name}[${i - t.offset}]: finite difference ${fd}, backward ${an}`).toBeLessThan(1e-2);
          checked++;
        }
      }
      expect(checked, `${kinks} coordinates sat on a kink`).toBeGreaterThanOrEqual(Math.ceil(0.8 * (checked + kinks)));
      // Some units did clip (the check covers the clipped branch): exact zeros among the states.
      model.lossAndGradient(x, stride, rows, steps, labels);
      expect(model.states().slice(2 * rows * 8).some((v) => v === 0)).toBe(true);
    });
  }
});

describe('EURNN unitary layer', () => {
  for (const name of BACKENDS) {
    for (const capacity of [1, 2, 3]) {
      it(`keeps the norm of a state to 1e-5 relative over 784 steps (N = 256, capacity ${capacity}, ${name})`, async () => {
        const backend = await createBackend(name);
        const model = new Eurnn(backend, { hidden: 256, capacity, seed: 3 });
        const rng = new Rng(5);
        const rows = 4;
        let h: Float32Array = Float32Array.from({ length: 2 * rows * 256 }, () => rng.normal());
        const norms = (v: Float32Array) => Array.from({ length: rows }, (_, r) => Math.hypot(...v.subarray(512 * r, 512 * (r + 1))));
        const n0 = norms(h);
        const first = model.applyUnitary(h, rows);
        expect(first).not.toEqual(h); // it does rotate
        for (let t = 0; t < 784; t++) h = model.applyUnitary(h, rows);
        const n1 = norms(h);
        for (let r = 0; r < rows; r++) expect(Math.abs(n1[r] / n0[r] - 1)).toBeLessThan(1e-5);
      });
    }
  }
});

describe('EURNN backends', () => {
  it('wasm builds match the js twin: loss and every gradient (N = 18, capacity 3, 30 steps, batch 5)', async () => {
    const results = [];
    for (const name of BACKENDS) {
      const backend = await createBackend(name);
      const model = new Eurnn(backend, { hidden: 18, capacity: 3, seed: 11 });
      const rng = new Rng(12);
      const x = backend.heap.allocF32From(Array.from({ length: 5 * 30 }, () => rng.uniform(0, 1)));
      const r = model.lossAndGradient(x, 30, 5, 30, [1, 2, 3, 4, 5]);
      results.push({ name, loss: r.loss, grads: model.getGrads() });
    }
    const [ref, ...others] = results;
    for (const o of others) {
      expect(o.loss, o.name).toBeCloseTo(ref.loss, 4);
      const scale = Math.max(...ref.grads.map(Math.abs));
      let worst = 0;
      for (let i = 0; i < ref.grads.length; i++) worst = Math.max(worst, Math.abs(o.grads[i] - ref.grads[i]));
      expect(worst / scale, `${o.name}: max gradient difference relative to the largest gradient`).toBeLessThan(1e-4);
    }
  });

  it('refuses an odd hidden size, bad labels and a short input stride with clear errors', async () => {
    const backend = await createBackend('js');
    expect(() => new Eurnn(backend, { hidden: 7 })).toThrow(/hidden size must be an even integer/);
    const m = new Eurnn(backend, { hidden: 4, capacity: 1 });
    const x = backend.heap.allocF32(20);
    expect(() => m.lossAndGradient(x, 5, 2, 5, [0, 10])).toThrow(/label 1 is 10/);
    expect(() => m.lossAndGradient(x, 4, 2, 5, [0, 1])).toThrow(/needs xStride ≥ 5/);
  });
});

describe('trainEurnn on permuted MNIST', () => {
  it('is deterministic for a seed, records validation, and lowers the loss (N = 32, 40 steps, wasm)', async () => {
    const { train, validation } = await loadMnist();
    const perm = (ds: typeof train) => permutePixels(take(ds, 1000), 0);
    const run = async () => {
      const backend = await createBackend('wasm');
      const model = new Eurnn(backend, { hidden: 32, capacity: 2, seed: 1 });
      const history = await trainEurnn(model, perm(train), { steps: 40, batchSize: 20, lr: 1e-3, evalEvery: 20, validation: perm(validation), evalLimit: 200, seed: 4 });
      return { history, params: model.getParams(), used: backend.heap.used };
    };
    const a = await run();
    const b = await run();
    expect(b.params).toEqual(a.params);
    expect(a.history.evals.map((e) => e.step)).toEqual([20, 40]);
    for (const e of a.history.evals) {
      expect(e.validationAccuracy).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(e.validationLoss)).toBe(true);
    }
    expect(a.history.evals[1].trainLoss).toBeLessThan(a.history.evals[0].trainLoss);
  });
});

describe('simdnet train --model eurnn', () => {
  it('trains with --steps and --eval-every, prints JSON per validation, writes history and charts, refuses an odd --hidden', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync, readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const bin = join(__dirname, '..', 'bin', 'simdnet.js');
    const out = join(mkdtempSync(join(tmpdir(), 'simdnet-eurnn-')), 'run');
    const r = spawnSync(process.execPath, [bin, 'train', '--model', 'eurnn', '--steps', '6', '--eval-every', '3', '--eval-limit', '200', '--hidden', '16', '--limit', '500', '--batch-size', '10', '--json', '--out', out], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.event === 'eval').map((l) => l.step)).toEqual([3, 6]);
    expect(lines.at(-1)).toMatchObject({ event: 'done', steps: 6 });
    expect(lines.at(-1).validationAccuracy).toBeGreaterThanOrEqual(0);
    expect(readdirSync(out).sort()).toEqual(['accuracy.svg', 'history.json', 'loss.svg', 'report.html']);
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.config).toMatchObject({ model: 'eurnn', hidden: 16, capacity: 2, steps: 6 });
    expect(history.evals).toHaveLength(2);
    const bad = spawnSync(process.execPath, [bin, 'train', '--model', 'eurnn', '--hidden', '7'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--hidden must be even/);
  });
});
