// Found in review: each of these once corrupted memory, misreported or refused a valid run.
import { describe, it, expect } from 'vitest';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { dense, flatten } from '../src/nn/layers/index';
import { momentum, sgd } from '../src/nn/optimizers';
import { fromArrays } from '../src/data/dataset';
import { Rng } from '../src/rng';
import type { TrainingState } from '../src/nn/fit';

const rng = new Rng(2);
const data = fromArrays({ x: Float32Array.from({ length: 40 * 4 }, () => rng.next()), shape: [4], y: Int32Array.from({ length: 40 }, () => rng.int(2)), classes: 2 });

describe('review fixes', () => {
  it('a resume state with wrong optimizer lengths or a bad order is refused, and writes nothing', async () => {
    const backend = await createBackend('wasm-simd');
    const other = new Network(backend, { input: 4, layers: [dense(2)], seed: 1 });
    const before = other.getWeights();
    const net = new Network(backend, { input: 4, layers: [dense(2)], seed: 2 });
    const stop = new AbortController();
    const first = await net.fit(data, { epochs: 2, batchSize: 8, optimizer: momentum(), signal: stop.signal, onBatch: (b) => { if (b.batch === 2) stop.abort(); } });
    const good = first.resume!;
    const bad: [string, Partial<TrainingState>, RegExp][] = [
      ['long optimizer state', { optimizer: { t: good.optimizer.t, state: [new Float32Array(4000).fill(123)] } }, /optimizer state 0: 4000 values for 12 parameters/],
      ['order out of range', { order: Int32Array.from(good.order, (v, i) => (i === 3 ? 1e6 : v)) }, /order is not a permutation/],
      ['negative order', { order: Int32Array.from(good.order, (v, i) => (i === 0 ? -5 : v)) }, /order is not a permutation/],
      ['epoch past the end', { epoch: 9 }, /epoch 9 is not in 1…2/],
    ];
    for (const [what, edit, message] of bad) {
      const again = new Network(backend, { input: 4, layers: [dense(2)], seed: 2 });
      await expect(again.fit(data, { epochs: 2, batchSize: 8, optimizer: momentum(), resume: { ...good, ...edit } }), what).rejects.toThrow(message);
      again.dispose();
    }
    expect(other.getWeights()).toEqual(before);
  });

  it('a network disposed during its own fit stops the fit; nothing writes to the freed memory', async () => {
    const backend = await createBackend('wasm-simd');
    const a = new Network(backend, { input: 4, layers: [dense(3)], seed: 3 });
    let b: Network | undefined, before: Float32Array | undefined;
    const run = a.fit(data, { epochs: 3, batchSize: 8, onEpoch: (r) => { if (r.epoch === 1) { a.dispose(); b = new Network(backend, { input: 4, layers: [dense(3)], seed: 4 }); before = b.getWeights(); } } });
    await expect(run).rejects.toThrow(/fit: this network was disposed/);
    expect(b!.getWeights()).toEqual(before);
    expect(() => a.initialize(9)).toThrow(/initialize: this network was disposed/);
    expect(b!.getWeights()).toEqual(before);
  });

  it('the divergence yardstick survives a resume: runs resumed at any step complete, as the straight run does', async () => {
    const backend = await createBackend('js');
    const r = new Rng(5);
    // Targets near 40: the first batches' loss is large, later ones small and noisy.
    const reg = fromArrays({ x: Float32Array.from({ length: 64 }, () => r.uniform(-1, 1)), shape: [1], y: Float32Array.from({ length: 64 }, () => 40 + 3 * r.normal()), targetShape: [1] });
    const make = () => new Network(backend, { input: 1, layers: [dense(1)], loss: 'mse', seed: 6 });
    const options = { epochs: 6, batchSize: 4, optimizer: sgd({ lr: 0.05 }), divergenceFactor: 1.2 };
    await make().fit(reg, options); // the straight run completes
    for (const at of [20, 40, 60]) {
      const stop = new AbortController();
      const first = await make().fit(reg, { ...options, signal: stop.signal, onBatch: (b) => { if (b.step === at) stop.abort(); } });
      await expect(make().fit(reg, { ...options, resume: first.resume }), `resumed at step ${at}`).resolves.toBeDefined();
    }
  });

  it('a run whose onBatch callback predicts on the same network completes (the last-batch check reads its own batch)', async () => {
    const backend = await createBackend('js');
    const r = new Rng(9);
    const reg = fromArrays({ x: Float32Array.from({ length: 64 }, () => r.next()), shape: [1], y: Float32Array.from({ length: 64 }, () => r.next()), targetShape: [1] });
    const net = new Network(backend, { input: 1, layers: [dense(4, 'relu'), dense(1)], loss: 'mse', seed: 7 });
    await expect(net.fit(reg, { epochs: 2, batchSize: 8, onBatch: () => { net.predict(new Float32Array(8).fill(500)); } })).resolves.toBeDefined();
  });

  it('one output with 0/1 labels: evaluate agrees with classify for mse and squared-error', async () => {
    const backend = await createBackend('js');
    for (const loss of ['mse', 'squared-error'] as const) {
      const net = new Network(backend, { input: 1, layers: [dense(1)], loss, seed: 8 });
      net.setWeights([1, 0, 0, 0, 0, 0, 0, 0]);
      const ds = fromArrays({ x: Float32Array.of(0, 0, 1, 1), shape: [1], y: new Uint8Array([0, 0, 1, 1]), classes: 2 });
      expect(Array.from(net.classify(ds))).toEqual([0, 0, 1, 1]);
      expect(net.evaluate(ds).accuracy).toBe(1);
    }
  });

  it('a network without parameters saves and loads', async () => {
    const backend = await createBackend('js');
    const net = new Network(backend, { input: 3, layers: [flatten()], loss: 'mse' });
    const copy = Network.deserialize(backend, net.serialize());
    expect(copy.predict(Float32Array.of(1, 2, 3))).toEqual(Float32Array.of(1, 2, 3));
  });

  it('bad settings are refused: an init object with NaN, a NaN divergenceFactor, a dataset of the wrong shape to predict', async () => {
    const backend = await createBackend('js');
    expect(() => new Network(backend, { input: 4, layers: [dense(2)], init: { kind: 'normal', stddev: NaN } })).toThrow(/unknown init 'normal:NaN'/);
    const net = new Network(backend, { input: 4, layers: [dense(2)] });
    await expect(net.fit(data, { divergenceFactor: NaN })).rejects.toThrow(/divergenceFactor must be a positive number/);
    const wrong = fromArrays({ x: new Float32Array(8), shape: [2], y: new Int32Array(4), classes: 2 });
    expect(() => net.predict(wrong)).toThrow(/has 2 values per example \(shape \[2\]\) but the network takes 4/);
  });
});
