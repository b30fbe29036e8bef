// "Your own data": float features, float targets and the losses for them, on every backend —
// classification of float features, binary and multi-label sigmoid cross-entropy, regression with
// mse (one and several outputs), the figures evaluate() and fit() report, and the errors a careless
// caller gets.
import { describe, it, expect, beforeAll } from 'vitest';
import { createBackend, detectFeatures, type Backend, type BackendChoice } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { dense, dropout } from '../src/nn/layers/index';
import { adam } from '../src/nn/optimizers';
import { checkGradients } from '../src/nn/gradcheck';
import { fromArrays, subset, split, take, shuffled, type Dataset } from '../src/data/dataset';
import { Rng } from '../src/rng';
import { ShapeError } from '../src/errors';

const BACKENDS: BackendChoice[] = ['js', 'wasm-simd', ...(detectFeatures().relaxedSimd ? (['wasm-relaxed'] as const) : [])];

/** Two interleaved spirals, 2 float features, Int32Array labels. */
function spirals(count: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(count * 2), y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % 2, t = 0.3 + 2.5 * rng.next(); // radius and angle grow together (about one turn each)
    const a = t * 2.2 + c * Math.PI;
    x[2 * i] = t * Math.cos(a) / 2.8 + 0.02 * rng.normal();
    x[2 * i + 1] = t * Math.sin(a) / 2.8 + 0.02 * rng.normal();
    y[i] = c;
  }
  return fromArrays({ x, shape: [2], y, classes: 2, name: 'spirals' });
}

/** y = sin(x) + noise (one output), or [sin x, cos x] + noise (two). */
function waves(count: number, outputs: 1 | 2, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(count), y = new Float32Array(count * outputs);
  for (let i = 0; i < count; i++) {
    x[i] = rng.uniform(-Math.PI, Math.PI);
    y[i * outputs] = Math.sin(x[i]) + 0.05 * rng.normal();
    if (outputs === 2) y[i * 2 + 1] = Math.cos(x[i]) + 0.05 * rng.normal();
  }
  return fromArrays({ x, shape: [1], y, targetShape: [outputs], name: `waves${outputs}` });
}

/** Three 0/1 labels per point of [−1, 1]²: x0 > 0, x1 > 0, x0 + x1 > 0.5. */
function multiLabel(count: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(count * 2), y = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    const [a, b] = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
    x.set([a, b], 2 * i);
    y.set([a > 0 ? 1 : 0, b > 0 ? 1 : 0, a + b > 0.5 ? 1 : 0], 3 * i);
  }
  return fromArrays({ x, shape: [2], y, targetShape: [3], name: 'quadrants' });
}

describe.each(BACKENDS)('your own data on %s', (choice) => {
  let backend: Backend;
  beforeAll(async () => { backend = await createBackend(choice); });

  it('float features, two spirals: > 95% training accuracy with softmax cross-entropy', async () => {
    const data = spirals(600, 1);
    const net = new Network(backend, { input: 2, layers: [dense(48, 'tanh'), dense(48, 'tanh'), dense(2)], init: 'glorot', seed: 2 });
    const history = await net.fit(data, { epochs: 120, batchSize: 32, optimizer: adam({ lr: 0.01 }), seed: 3 });
    const m = net.evaluate(data);
    expect(m.accuracy, JSON.stringify(m)).toBeGreaterThan(0.95);
    expect(history.epochs.at(-1)!.trainAccuracy).toBeGreaterThan(0.9);
    expect(m.mse).toBeUndefined();
  });

  it('binary task with sigmoid-cross-entropy: 0/1 float targets and uint8 labels give the same run; predict gives probabilities', async () => {
    const rng = new Rng(4);
    const count = 400, x = new Float32Array(count * 2), t = new Float32Array(count), labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      x.set([rng.uniform(-1, 1), rng.uniform(-1, 1)], 2 * i);
      labels[i] = t[i] = x[2 * i] ** 2 + x[2 * i + 1] ** 2 < 0.5 ? 1 : 0; // inside a circle
    }
    const asTargets = fromArrays({ x, shape: [2], y: t, name: 'circle' });
    const asLabels = fromArrays({ x, shape: [2], y: labels, classes: 2, name: 'circle labels' });
    const make = () => new Network(backend, { input: 2, layers: [dense(16, 'tanh'), dense(1)], loss: 'sigmoid-cross-entropy', init: 'glorot', seed: 5 });
    const [a, b] = [make(), make()];
    await a.fit(asTargets, { epochs: 60, batchSize: 20, optimizer: adam({ lr: 0.02 }) });
    await b.fit(asLabels, { epochs: 60, batchSize: 20, optimizer: adam({ lr: 0.02 }) });
    expect(b.getWeights()).toEqual(a.getWeights());
    const m = a.evaluate(asTargets);
    expect(m.accuracy).toBeGreaterThan(0.95);
    expect(b.evaluate(asLabels).accuracy).toBeCloseTo(m.accuracy!, 10);
    const p = a.predict(x);
    expect(p.length).toBe(count);
    expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
    const classes = a.classify(x);
    let right = 0;
    for (let i = 0; i < count; i++) if (classes[i] === labels[i]) right++;
    expect(right / count).toBeCloseTo(m.accuracy!, 10);
  });

  it('multi-label sigmoid-cross-entropy: > 95% of the labels right', async () => {
    const data = multiLabel(600, 6);
    const net = new Network(backend, { input: 2, layers: [dense(24, 'relu'), dense(3)], loss: 'sigmoid-cross-entropy', init: 'he', seed: 7 });
    await net.fit(data, { epochs: 60, batchSize: 32, optimizer: adam({ lr: 0.01 }) });
    expect(net.evaluate(data).accuracy).toBeGreaterThan(0.95);
  });

  it('regression, noisy sin: R² > 0.95 with mse; the figures are consistent', async () => {
    const [train, valid] = split(waves(1200, 1, 8), 1000);
    const net = new Network(backend, { input: 1, layers: [dense(32, 'tanh'), dense(32, 'tanh'), dense(1)], loss: 'mse', init: 'glorot', seed: 9 });
    const history = await net.fit(train, { epochs: 60, batchSize: 32, optimizer: adam({ lr: 0.01 }), validation: valid });
    const m = net.evaluate(valid);
    expect(m.r2, JSON.stringify(m)).toBeGreaterThan(0.95);
    expect(m.loss).toBeCloseTo(m.mse!, 6); // mse: the loss is the mean squared error
    expect(m.mae!).toBeLessThanOrEqual(Math.sqrt(m.mse!) + 1e-7);
    expect(m.accuracy).toBeUndefined();
    const last = history.epochs.at(-1)!;
    expect(last.validationR2).toBeCloseTo(m.r2!, 6);
    expect(last.trainMse).toBeGreaterThan(0);
    expect(last.trainAccuracy).toBeUndefined();
    // predict returns raw outputs: compare with the figures by hand.
    const p = net.predict(valid);
    let sse = 0;
    for (let i = 0; i < valid.count; i++) sse += (p[i] - valid.y[i]) ** 2;
    expect(sse / valid.count).toBeCloseTo(m.mse!, 5);
  });

  it('multi-output regression [sin, cos]: R² > 0.95', async () => {
    const data = waves(1000, 2, 10);
    const net = new Network(backend, { input: 1, layers: [dense(32, 'tanh'), dense(32, 'tanh'), dense(2)], loss: 'mse', init: 'glorot', seed: 11 });
    await net.fit(data, { epochs: 60, batchSize: 32, optimizer: adam({ lr: 0.01 }) });
    expect(net.evaluate(data).r2).toBeGreaterThan(0.95);
    expect(net.predict(take(data, 3)).length).toBe(6);
  });

  it('gradient checks: sigmoid-cross-entropy (targets and labels), mse, squared-error on float targets', () => {
    const rng = new Rng(12);
    const x = Float32Array.from({ length: 9 * 5 }, () => rng.uniform(-1, 1));
    const cases: [string, number, ArrayLike<number>][] = [
      ['sigmoid-cross-entropy', 3, Float32Array.from({ length: 27 }, () => (rng.next() < 0.5 ? 1 : 0))],
      ['sigmoid-cross-entropy', 1, Array.from({ length: 9 }, () => rng.int(2))],
      ['mse', 3, Float32Array.from({ length: 27 }, () => rng.normal())],
      ['squared-error', 2, Float32Array.from({ length: 18 }, () => rng.normal())],
    ];
    for (const [loss, out, y] of cases) {
      const net = new Network(backend, { input: 5, layers: [dense(6, 'tanh'), dense(out)], loss: loss as 'mse', init: 'glorot', seed: 13 });
      for (const r of checkGradients(net, x, y, { samples: 100 })) expect(r.relativeError, `${loss} ${r.name}`).toBeLessThan(2e-3);
    }
  });

  it('the same seed gives the same weights (float data, dropout)', async () => {
    const data = waves(200, 1, 14);
    const run = async () => {
      const net = new Network(backend, { input: 1, layers: [dense(16, 'relu'), dropout(0.2), dense(1)], loss: 'mse', init: 'he', seed: 15 });
      await net.fit(data, { epochs: 3, batchSize: 16, optimizer: adam({ lr: 0.01 }) });
      return net.getWeights();
    };
    expect(await run()).toEqual(await run());
  });
});

describe('datasets of every kind', () => {
  it('subset, split, take and shuffled keep features and targets together', () => {
    const x = Float32Array.from({ length: 10 * 3 }, (_, i) => i);
    const y = Float32Array.from({ length: 10 * 2 }, (_, i) => 1000 + i);
    const ds = fromArrays({ x, shape: [3], y, targetShape: [2] });
    expect(ds.count).toBe(10);
    const s = subset(ds, 2, 5);
    expect(Array.from(s.x)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(Array.from(s.y)).toEqual([1004, 1005, 1006, 1007, 1008, 1009]);
    const [a, b] = split(ds, 7);
    expect([a.count, b.count]).toEqual([7, 3]);
    expect(take(ds, 4).y.length).toBe(8);
    const sh = shuffled(ds, 3);
    for (let i = 0; i < 10; i++) {
      const j = sh.x[3 * i] / 3; // the example's original index
      expect(sh.y[2 * i]).toBe(1000 + 2 * j);
      expect(sh.y[2 * i + 1]).toBe(1001 + 2 * j);
    }
    const labels = fromArrays({ x: new Uint8Array(12), shape: [2, 2, 1], y: new Int32Array([0, 1, 2]), classes: 3 });
    expect(shuffled(labels, 1).y).toBeInstanceOf(Int32Array);
  });

  it('bad input is refused with an error naming the argument', () => {
    const x = new Float32Array(6);
    expect(() => fromArrays({ x, shape: [4], y: new Int32Array([0, 1]), classes: 2 })).toThrow(/2 labels need x of 2 × 4 = 8 values \(shape \[4\]\), got 6/);
    expect(() => fromArrays({ x: Float32Array.of(1, NaN, 3, 4), shape: [2], y: new Int32Array([0, 1]), classes: 2 })).toThrow(/x\[1\] \(example 0, value 1\) is NaN/);
    expect(() => fromArrays({ x, shape: [3], y: Float32Array.of(1, Infinity), name: 'sensor log' })).toThrow(/sensor log: y\[1\] \(example 1, value 0\) is Infinity/);
    expect(() => fromArrays({ x, shape: [3], y: new Int32Array([0, 2]), classes: 2 })).toThrow(/label 2 at index 1 is out of range for 2 classes/);
    expect(() => fromArrays({ x, shape: [3], y: new Int32Array([0, -1]), classes: 2 })).toThrow(ShapeError);
    expect(() => fromArrays({ x, shape: [3], y: Float32Array.of(1, 2, 3), targetShape: [2] })).toThrow(/y has 3 values, not a multiple of the target size 2/);
    expect(() => fromArrays({ x, shape: [3], y: Float32Array.of(0, 1), classes: 2 })).toThrow(/class labels must be a Uint8Array or Int32Array/);
    expect(() => fromArrays({ x, shape: [0], y: Float32Array.of(0, 1) })).toThrow(/shape must be a positive integer/);
  });

  it('a dataset that does not fit the network is refused at fit, naming what differs', async () => {
    const backend = await createBackend('js');
    const ds = fromArrays({ x: new Float32Array(8), shape: [4], y: new Float32Array(6), targetShape: [3] });
    const twoOut = new Network(backend, { input: 4, layers: [dense(2)], loss: 'mse' });
    await expect(twoOut.fit(ds)).rejects.toThrow(/has 3 target values per example \(targetShape \[3\]\) but the last layer has 2 outputs/);
    const wrongInput = new Network(backend, { input: 5, layers: [dense(3)], loss: 'mse' });
    expect(() => wrongInput.evaluate(ds)).toThrow(/has 4 values per example \(shape \[4\]\) but the network takes 5/);
    const softmax = new Network(backend, { input: 4, layers: [dense(3)] });
    await expect(softmax.fit(ds)).rejects.toThrow(/has float targets, but softmax-cross-entropy needs class labels; for float targets use loss 'mse'/);
    const sig = new Network(backend, { input: 4, layers: [dense(3)], loss: 'sigmoid-cross-entropy' });
    const notProbabilities = fromArrays({ x: new Float32Array(8), shape: [4], y: Float32Array.of(0, 1, 2, 0, 0, 0), targetShape: [3] });
    await expect(sig.fit(notProbabilities)).rejects.toThrow(/target 2 \(example 0\) is 2; sigmoid-cross-entropy takes targets in \[0, 1\]/);
    const labels = fromArrays({ x: new Float32Array(8), shape: [4], y: new Int32Array([0, 5]), classes: 6 });
    await expect(softmax.fit(labels)).rejects.toThrow(/label 1 is 5, but the network's 3 outputs take classes 0\.\.2/);
  });
});
