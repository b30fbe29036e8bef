// The EURNN layer (src/nn/layers/eurnn.ts) in a Network: gradients against central differences on
// tiny instances, parity with the simdnet 0.1 model (test/support/eurnn-reference.ts), norm
// preservation of the unitary recurrence over 784 steps, backend parity, determinism, training.
import { describe, it, expect } from 'vitest';
import { createBackend, detectFeatures, type Backend, type BackendChoice } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { eurnn, eurnnClassifier, dense, EurnnLayer } from '../src/nn/layers/index';
import { rmsprop } from '../src/nn/optimizers';
import { Eurnn } from './support/eurnn-reference';
import { loadMnist } from '../src/data/mnist-node';
import { fromArrays, permutePixels, take } from '../src/data/dataset';
import { Rng } from '../src/rng';

const BACKENDS: BackendChoice[] = ['js', 'wasm-simd', ...(detectFeatures().relaxedSimd ? ['wasm-relaxed' as const] : [])];

/** The reference model's tensors, in order, and the layer network's names for them. */
const TENSOR_NAMES: [string, string][] = [
  ['angles', 'eurnn0.angles'], ['modrelu.bias', 'eurnn0.modrelu.bias'], ['input.weights', 'eurnn0.input.weights'],
  ['input.bias', 'eurnn0.input.bias'], ['output.weights', 'dense1.weights'], ['output.bias', 'dense1.bias'],
];

/** Sets one tensor of a network to the values f(i). */
function setTensor(net: Network, name: string, f: (i: number) => number): void {
  const w = net.getWeights();
  const t = net.tensors.find((x) => x.name === name)!;
  for (let i = 0; i < t.count; i++) w[t.offset + i] = f(i);
  net.setWeights(w);
}

/** A tiny classifier (N = 8, 4 classes) on sequences [steps, D], with random modReLU biases in [−0.15, 0.3] (so some units clip). */
function tiny(backend: Backend, capacity: number, inputSize: number, steps: number, seed: number): Network {
  const net = new Network(backend, { input: [steps, inputSize], layers: eurnnClassifier(8, { capacity, classes: 4 }), seed });
  const rng = new Rng(seed + 100);
  setTensor(net, 'eurnn0.modrelu.bias', () => rng.uniform(-0.15, 0.3));
  return net;
}

describe('EURNN layer gradients', () => {
  for (const [capacity, inputSize] of [[1, 1], [2, 1], [3, 2], [2, 2]] as const) {
    it(`match central differences: N = 8, capacity ${capacity}, D = ${inputSize}, 10 steps, batch 3 (js backend)`, async () => {
      const backend = await createBackend('js');
      const rows = 3, steps = 10, stride = steps * inputSize;
      const net = tiny(backend, capacity, inputSize, steps, 7 + capacity);
      expect(net.tensors.map((t) => t.name)).toEqual(TENSOR_NAMES.map(([, n]) => n));
      const rng = new Rng(capacity * 10 + inputSize);
      const x = Float32Array.from({ length: rows * stride }, () => rng.uniform(0, 1));
      const labels = [0, 3, 1];
      const ds = fromArrays({ x, shape: [steps, inputSize], y: Int32Array.from(labels), classes: 4 });
      const lossAt = (p: Float32Array) => { net.setWeights(p); return net.evaluate(ds).loss; };
      const p0 = net.getWeights();
      const { loss } = net.backward(x, labels);
      const analytic = net.gradients();
      expect(lossAt(p0)).toBeCloseTo(loss, 6); // evaluate and backward see the same loss
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
      for (const t of net.tensors) {
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
      net.setWeights(p0);
      net.backward(x, labels);
      expect((net.layers[0] as EurnnLayer).states().slice(2 * rows * 8).some((v) => v === 0)).toBe(true);
    });
  }
});

describe('EURNN layer against the simdnet 0.1 model (test/support/eurnn-reference.ts)', () => {
  for (const name of ['js', 'wasm-simd'] as const) {
    for (const capacity of [1, 2, 3]) {
      it(`the same parameters give the same loss and gradients, tensor by tensor (N = 12, capacity ${capacity}, D = 2, 9 steps, batch 4, ${name})`, async () => {
        const backend = await createBackend(name);
        const N = 12, D = 2, K = 5, steps = 9, rows = 4, seed = 20 + capacity;
        const ref = new Eurnn(backend, { hidden: N, capacity, inputSize: D, classes: K, seed });
        const net = new Network(backend, { input: [steps, D], layers: eurnnClassifier(N, { capacity, classes: K }), seed });
        expect(net.tensors.map((t) => t.name)).toEqual(TENSOR_NAMES.map(([, n]) => n));
        const refTensor = (values: Float32Array, refName: string) => {
          const t = ref.tensors.find((x) => x.name === refName)!;
          return values.subarray(t.offset, t.offset + t.count);
        };
        // The same seed gives the same initial parameters (the reference's initialisation).
        const p0 = ref.getParams();
        for (const [refName, netName] of TENSOR_NAMES) expect(net.getTensor(netName), netName).toEqual(refTensor(p0, refName));
        // Perturb every parameter (modReLU biases into [−0.15, 0.3], so some units clip) and copy them over.
        const rng = new Rng(seed + 1);
        const p = p0.map((v) => v + rng.uniform(-0.1, 0.1));
        const bias = ref.tensors.find((t) => t.name === 'modrelu.bias')!;
        for (let i = 0; i < bias.count; i++) p[bias.offset + i] = rng.uniform(-0.15, 0.3);
        ref.setParams(p);
        for (const [refName, netName] of TENSOR_NAMES) setTensor(net, netName, (i) => refTensor(p, refName)[i]);

        const x = Float32Array.from({ length: rows * steps * D }, () => rng.uniform(0, 1));
        const labels = [0, 4, 2, 1];
        const xPtr = backend.heap.allocF32From(x);
        const expected = ref.lossAndGradient(xPtr, steps * D, rows, steps, labels);
        const refGrads = ref.getGrads();
        const got = net.backward(x, labels);
        expect(Math.abs(got.loss - expected.loss) / expected.loss, `loss ${got.loss} vs ${expected.loss}`).toBeLessThan(1e-5);
        expect(got.accuracy).toBe(expected.correct / rows);
        for (const [refName, netName] of TENSOR_NAMES) {
          const a = net.getGradient(netName), b = refTensor(refGrads, refName);
          const scale = Math.max(...b.map(Math.abs));
          expect(scale, netName).toBeGreaterThan(0);
          let worst = 0;
          for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
          expect(worst / scale, `${netName}: max difference relative to the largest reference gradient`).toBeLessThan(1e-5);
        }
      });
    }
  }
});

describe('EURNN unitary recurrence', () => {
  for (const name of BACKENDS) {
    for (const capacity of [1, 2, 3]) {
      it(`keeps the norm of a state to 1e-5 relative over 784 steps (N = 256, capacity ${capacity}, ${name})`, async () => {
        const backend = await createBackend(name);
        // With modReLU and input biases 0 (modReLU is then the identity) and inputs only at the first
        // step, h_1 = W_in·x_1 and h_{t+1} = U·h_t: 784 applications of U from h_1 to h_785.
        const N = 256, D = 4, rows = 4, steps = 785;
        const net = new Network(backend, { input: [steps, D], layers: [eurnn(N, { capacity }), dense(10)], seed: 3 });
        const rng = new Rng(5);
        setTensor(net, 'eurnn0.modrelu.bias', () => 0);
        setTensor(net, 'eurnn0.input.bias', () => 0);
        setTensor(net, 'eurnn0.input.weights', () => rng.normal());
        const x = new Float32Array(rows * steps * D);
        for (let r = 0; r < rows; r++) for (let d = 0; d < D; d++) x[r * steps * D + d] = rng.normal();
        const { rows: planned } = net.setBatch(x, [0, 1, 2, 3]);
        net.forwardRows(planned, 'grad');
        const states = (net.layers[0] as EurnnLayer).states();
        const state = (t: number) => states.subarray(t * rows * 2 * N, (t + 1) * rows * 2 * N);
        const norms = (v: Float32Array) => Array.from({ length: rows }, (_, r) => Math.hypot(...v.subarray(2 * N * r, 2 * N * (r + 1))));
        const n0 = norms(state(1));
        expect(n0.every((n) => n > 1)).toBe(true);
        expect(state(2)).not.toEqual(state(1)); // it does rotate
        const n1 = norms(state(steps));
        for (let r = 0; r < rows; r++) expect(Math.abs(n1[r] / n0[r] - 1)).toBeLessThan(1e-5);
      });
    }
  }
});

describe('EURNN layer backends', () => {
  it('wasm builds match the js twin: loss and every gradient (N = 18, capacity 3, 30 steps, batch 5)', async () => {
    const results = [];
    for (const name of BACKENDS) {
      const backend = await createBackend(name);
      const net = new Network(backend, { input: [30, 1], layers: eurnnClassifier(18, { capacity: 3 }), seed: 11 });
      const rng = new Rng(12);
      const x = Float32Array.from({ length: 5 * 30 }, () => rng.uniform(0, 1));
      const r = net.backward(x, [1, 2, 3, 4, 5]);
      results.push({ name, loss: r.loss, grads: net.gradients() });
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

  it('refuses an odd hidden size, a non-sequence input, a later place, bad labels and a short input with clear errors', async () => {
    const backend = await createBackend('js');
    expect(() => new Network(backend, { input: [5, 1], layers: [eurnn(7), dense(4)] })).toThrow(/units must be an even integer/);
    expect(() => new Network(backend, { input: 5, layers: [eurnn(4), dense(4)] })).toThrow(/needs a sequence input \[steps, features\]/);
    expect(() => new Network(backend, { input: [5, 1], layers: [dense(4), eurnn(4), dense(4)] })).toThrow(/must be the first layer/);
    const net = new Network(backend, { input: [5, 1], layers: eurnnClassifier(4, { capacity: 1 }) });
    expect(() => net.backward(new Float32Array(10), [0, 10])).toThrow(/label 1 is 10/);
    expect(() => net.backward(new Float32Array(8), [0, 1])).toThrow(/2 labels need 10 inputs, got 8/);
  });
});

describe('fit() of the EURNN layer on permuted MNIST', () => {
  it('is deterministic for a seed, records validation, and lowers the loss (N = 32, 40 steps, wasm)', async () => {
    const { train, validation } = await loadMnist();
    const perm = (ds: typeof train, n: number) => permutePixels(take(ds, n), 0);
    const run = async () => {
      const backend = await createBackend('wasm');
      const net = new Network(backend, { input: [784, 1], layers: eurnnClassifier(32, { capacity: 2 }), seed: 1 });
      const history = await net.fit(perm(train, 1000), { steps: 40, batchSize: 20, optimizer: rmsprop({ lr: 1e-3 }), evalEvery: 20, validation: perm(validation, 200), seed: 4 });
      return { history, params: net.getWeights() };
    };
    const a = await run();
    const b = await run();
    expect(b.params).toEqual(a.params);
    expect(a.history.epochs.map((e) => e.step)).toEqual([20, 40]);
    for (const e of a.history.epochs) {
      expect(e.validationAccuracy).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(e.validationLoss)).toBe(true);
    }
    expect(a.history.epochs[1].trainLoss).toBeLessThan(a.history.epochs[0].trainLoss);
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
    expect(history.epochs.map((e: { step: number }) => e.step)).toEqual([3, 6]);
    const bad = spawnSync(process.execPath, [bin, 'train', '--model', 'eurnn', '--hidden', '7'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--hidden must be even/);
  });
});
