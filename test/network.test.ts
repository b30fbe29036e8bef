import { describe, it, expect, beforeAll } from 'vitest';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { dense, dropout, parseLayers } from '../src/nn/layers/index';
import { sgd, momentum, adam, rmsprop } from '../src/nn/optimizers';
import { checkGradients } from '../src/nn/gradcheck';
import { loadMnist, type Mnist } from '../src/data/mnist-node';
import { fromArrays, take } from '../src/data/dataset';
import { Rng } from '../src/rng';
import { augmentDigits } from '../src/digits/augment';
import { DivergenceError, HeapError, ShapeError, SimdnetError } from '../src/errors';

function randomBatch(rows: number, input: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: rows * input }, () => rng.next());
  const labels = Array.from({ length: rows }, () => rng.int(classes));
  return { x, labels };
}

function tinyDataset(count: number, seed: number) {
  const rng = new Rng(seed);
  return fromArrays({
    images: Uint8Array.from({ length: count * 16 }, () => rng.int(256)),
    labels: Uint8Array.from({ length: count }, () => rng.int(3)),
    rows: 4,
    cols: 4,
    classes: 3,
    name: 'tiny',
  });
}

const BACKENDS = ['js', 'wasm-simd'] as const;

describe.each(BACKENDS)('gradient check on %s', (choice) => {
  let backend: Backend;
  beforeAll(async () => { backend = await createBackend(choice); });

  it('dense + tanh/sigmoid/relu with softmax cross-entropy: every tensor within 1e-3 of central differences', () => {
    const net = new Network(backend, { input: 13, layers: [dense(9, 'tanh'), dense(7, 'sigmoid'), dense(6, 'relu'), dense(5)], init: 'glorot', seed: 3 });
    const { x, labels } = randomBatch(11, 13, 5, 1);
    const before = net.getWeights();
    const res = checkGradients(net, x, labels, { samples: 1000 });
    expect(res.map((r) => r.name)).toEqual(net.tensors.map((t) => t.name));
    expect(net.weightLayerNames()).toEqual(['dense0', 'dense1', 'dense2', 'dense3']); // numbered by the layer list
    for (const r of res) expect(r.relativeError, `${r.name}: ${r.relativeError}`).toBeLessThan(1e-3);
    expect(net.getWeights()).toEqual(before); // weights left as they were
  });

  it('squared-error output: every tensor within 1e-3 of central differences', () => {
    const net = new Network(backend, { input: 6, layers: [dense(5, 'tanh'), dense(4)], loss: 'squared-error', init: 'glorot', seed: 4 });
    const { x, labels } = randomBatch(9, 6, 4, 2);
    for (const r of checkGradients(net, x, labels)) expect(r.relativeError, r.name).toBeLessThan(1e-3);
  });

  it('a wrong backward pass is caught: corrupting one gradient fails the check', () => {
    const net = new Network(backend, { input: 5, layers: [dense(4, 'tanh'), dense(3)], init: 'glorot', seed: 5 });
    const { x, labels } = randomBatch(7, 5, 3, 3);
    // Scale the bias gradient kernel's output by 2 by wrapping the backend's raw kernel.
    const raw = backend.rawKernels;
    const original = raw.biasGrad;
    raw.biasGrad = (m, n, dy, db, acc) => { original(m, n, dy, db, acc); raw.sgd(n, db, db, -1); };
    try {
      const res = checkGradients(net, x, labels);
      expect(res.find((r) => r.name === 'dense0.bias')!.relativeError).toBeGreaterThan(0.1);
    } finally {
      raw.biasGrad = original;
    }
  });
});

describe('training on real MNIST', () => {
  let mnist: Mnist;
  beforeAll(async () => { mnist = await loadMnist(); });

  it('the seed network reaches ≥ 90% validation accuracy on 5,000 training images in 3 epochs (wasm, Adam)', async () => {
    const backend = await createBackend('auto');
    const net = new Network(backend, { input: 784, layers: parseLayers('80:relu,70:tanh,10'), init: 'he', seed: 1 });
    const history = await net.fit(take(mnist.train, 5000), { epochs: 3, batchSize: 32, optimizer: adam({ lr: 0.002 }), validation: take(mnist.validation, 2000) });
    expect(history.epochs).toHaveLength(3);
    const last = history.epochs[2];
    expect(last.validationAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(history.epochs[2].trainLoss).toBeLessThan(history.epochs[0].trainLoss);
    expect(last.maxAbsWeights).toHaveLength(3);
    expect(net.evaluate(take(mnist.test, 2000)).accuracy).toBeGreaterThanOrEqual(0.9);
    const probs = net.predict(take(mnist.test, 3));
    expect(probs).toHaveLength(30);
    for (let i = 0; i < 3; i++) expect(probs.subarray(i * 10, i * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(Array.from(net.classify(take(mnist.test, 3)))).toEqual(Array.from(mnist.test.y.subarray(0, 3)));
  });

  it('js and wasm train the same network to nearly the same weights', async () => {
    const data = take(mnist.train, 512);
    const weights = [];
    for (const choice of ['js', 'wasm-simd'] as const) {
      const net = new Network(await createBackend(choice), { input: 784, layers: parseLayers('30:relu,10'), init: 'he', seed: 9 });
      await net.fit(data, { epochs: 1, batchSize: 64, optimizer: sgd({ lr: 0.05 }) });
      weights.push(net.getWeights());
    }
    let maxDiff = 0;
    for (let i = 0; i < weights[0].length; i++) maxDiff = Math.max(maxDiff, Math.abs(weights[0][i] - weights[1][i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});

describe('fit', () => {
  let backend: Backend;
  beforeAll(async () => { backend = await createBackend('wasm-simd'); });
  const make = (seed = 1) => new Network(backend, { input: 16, layers: [dense(8, 'relu'), dense(3)], init: 'he', seed });

  it('the same seed gives identical weights; a different seed different ones', async () => {
    const data = tinyDataset(300, 1);
    const run = async (seed: number) => {
      const net = make(seed);
      await net.fit(data, { epochs: 2, batchSize: 32, optimizer: adam() });
      return net.getWeights();
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });

  it('uses the last partial batch: 100 examples at batch 64 are 2 steps of 64 and 36', async () => {
    const seen: number[] = [];
    const net = make();
    const h = await net.fit(tinyDataset(100, 2), { epochs: 1, batchSize: 64, onBatch: (b) => seen.push(b.batch * 1000 + b.batches) });
    expect(seen).toEqual([1002, 2002]);
    expect(Number.isInteger(h.epochs[0].trainAccuracy! * 100)).toBe(true); // correct / 100, not / 64 or / 128
  });

  it("full-batch gradient descent ('full') takes one step per epoch and lowers the loss", async () => {
    const net = make();
    let steps = 0;
    const h = await net.fit(tinyDataset(200, 3), { epochs: 20, batchSize: 'full', optimizer: sgd({ lr: 0.5 }), onBatch: () => steps++ });
    expect(steps).toBe(20);
    expect(h.epochs[19].trainLoss).toBeLessThan(h.epochs[0].trainLoss);
  });

  it.each([
    ['sgd', () => sgd({ lr: 0.1 })],
    ['momentum', () => momentum({ lr: 0.05, nesterov: true })],
    ['adam', () => adam({ lr: 0.01 })],
    ['rmsprop', () => rmsprop({ lr: 0.005 })],
  ])('%s lowers the training loss', async (_name, opt) => {
    const net = make();
    const h = await net.fit(tinyDataset(256, 4), { epochs: 8, batchSize: 32, optimizer: opt() });
    expect(h.epochs[7].trainLoss).toBeLessThan(h.epochs[0].trainLoss * 0.97);
  });

  it('stops between batches when the AbortSignal fires', async () => {
    const ctl = new AbortController();
    let batches = 0;
    const h = await make().fit(tinyDataset(640, 5), { epochs: 5, batchSize: 64, onBatch: () => { if (++batches === 3) ctl.abort(); }, signal: ctl.signal });
    expect(h.stopped).toBe('aborted');
    expect(batches).toBe(3);
    expect(h.epochs).toHaveLength(0);
  });

  it.each([
    ['js', false], ['wasm-simd', false], ['wasm-simd', true],
  ] as const)('%s (augmented: %s): a run stopped mid-epoch and resumed (even in a new network) ends with the same weights, bit for bit', async (choice, augmented) => {
    const b = await createBackend(choice);
    const data = tinyDataset(300, 10);
    const build = () => new Network(b, { input: 16, layers: [dense(8, 'tanh'), dropout(0.3), dense(3)], init: 'he', seed: 4 });
    // A fresh augmenter per run: the resumed one gets its RNG state from the resume state.
    const options = () => ({ epochs: 3, batchSize: 32, optimizer: adam({ lr: 0.01 }), seed: 5, augment: augmented ? augmentDigits({ seed: 6 }) : undefined });
    const whole = build();
    const full = await whole.fit(data, options());

    const ctl = new AbortController();
    let steps = 0;
    const first = build();
    const stopped = await first.fit(data, { ...options(), signal: ctl.signal, onBatch: () => { if (++steps === 14) ctl.abort(); } });
    expect(stopped.stopped).toBe('aborted');
    expect(stopped.resume).toMatchObject({ epoch: 2, batch: 4 }); // 10 batches per epoch
    expect(stopped.resume!.augmentRng !== undefined).toBe(augmented);
    const second = build(); // a fresh network: everything comes from the resume state
    const rest = await second.fit(data, { ...options(), resume: stopped.resume });
    expect(second.getWeights()).toEqual(whole.getWeights());
    expect(rest.epochs.map((e) => e.trainLoss)).toEqual(full.epochs.map((e) => e.trainLoss));
  });

  it('a diverging run stops with an error naming epoch and batch, and restores the last good weights', async () => {
    const net = make();
    const data = tinyDataset(256, 6);
    await net.fit(data, { epochs: 1, batchSize: 32, optimizer: sgd({ lr: 0.05 }) });
    const good = net.getWeights();
    const err = await net.fit(data, { epochs: 3, batchSize: 32, optimizer: sgd({ lr: 1e30 }) }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.message).toMatch(/diverged at epoch 1, batch \d+ of 8/);
    expect(err.message).toMatch(/lower learning rate/);
    expect(net.getWeights()).toEqual(good);
  });

  it('a blown-up run with huge but finite losses (the seed network on MNIST at SGD lr 100) is caught as diverged too', async () => {
    const mnist = await loadMnist({ limit: 2000 });
    const net2 = new Network(backend, { input: 784, layers: parseLayers('80:relu,70:tanh,10'), init: 'normal:0.01', seed: 1 });
    const err = await net2.fit(mnist.train, { epochs: 3, batchSize: 64, optimizer: sgd({ lr: 100 }) }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.message).toMatch(/diverged at epoch 1, batch \d+ of 32: the mean loss is [\d.e+]+ \(it was 2\.3\d* at the first batch\)/);
    // and a sane learning rate is not flagged
    await expect(net2.fit(mnist.train, { epochs: 2, batchSize: 64, optimizer: sgd({ lr: 0.1 }) })).resolves.toBeDefined();
  });

  it('yields to the event loop between batches when asked (and only then)', async () => {
    const firedDuringFit = async (yieldEvery: number) => {
      let fired = false;
      setTimeout(() => { fired = true; }, 0);
      const started = performance.now();
      // Train until at least 20 ms have passed, so a 0 ms timer is due long before the end.
      const net = make();
      while (performance.now() - started < 20) await net.fit(tinyDataset(640, 7), { epochs: 1, batchSize: 16, yieldEvery });
      const during = fired;
      await new Promise((r) => setTimeout(r, 5));
      return during;
    };
    expect(await firedDuringFit(0)).toBe(false);
    expect(await firedDuringFit(1)).toBe(true);
  });
});

describe('API boundary checks', () => {
  let backend: Backend;
  beforeAll(async () => { backend = await createBackend('wasm-simd'); });

  it('refuses bad layer specs, datasets, inputs and options with clear errors', async () => {
    expect(() => new Network(backend, { input: 0, layers: [dense(3)] })).toThrow(/network: input must be a positive integer or a shape/);
    expect(() => new Network(backend, { input: 4, layers: [dense(2.5)] })).toThrow(/layer 0 \(dense\): units must be a positive integer, got 2.5/);
    expect(() => new Network(backend, { input: 4, layers: [dense(3, 'swish' as never)] })).toThrow(/layer 0 \(dense\): activation must be one of .*, got "swish"/);
    expect(() => parseLayers('80:relu,x')).toThrow(/layer 2 \('x'\) needs a positive integer size/);
    const net = new Network(backend, { input: 16, layers: [dense(3)] });
    const wrong = fromArrays({ images: new Uint8Array(25 * 4), labels: new Uint8Array(4), rows: 5, cols: 5 });
    await expect(net.fit(wrong)).rejects.toThrow(/has 25 values per example \(shape \[5, 5, 1\]\) but the network takes 16/);
    const badLabels = fromArrays({ images: new Uint8Array(16 * 2), labels: Uint8Array.from([1, 7]), rows: 4, cols: 4 });
    await expect(net.fit(badLabels)).rejects.toThrow(/label 1 is 7, but the network's 3 outputs take classes 0..2/);
    await expect(net.fit(tinyDataset(10, 1), { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    expect(() => net.predict(new Float32Array(17))).toThrow(ShapeError);
    expect(() => net.predict(Float32Array.from({ length: 16 }, (_, i) => (i === 5 ? NaN : 0)))).toThrow(/value 5 \(example 0\) is NaN/);
    // predict's check is one maxAbs pass on the heap: every position (SIMD lanes, the scalar tail, a later
    // image of a batch) and NaN, ∞ and -∞ on each backend.
    for (const choice of ['js', 'wasm-simd'] as const) {
      const odd = new Network(await createBackend(choice), { input: 7, layers: [dense(2)] });
      for (const [at, bad] of [[0, NaN], [3, Infinity], [6, -Infinity], [12, NaN], [13, Infinity]] as const) {
        const x = new Float32Array(14).fill(0.5);
        x[at] = bad;
        expect(() => odd.predict(x), `${choice} ${at}`).toThrow(new RegExp(`value ${at} \\(example ${Math.floor(at / 7)}\\) is ${String(bad)}`));
      }
      expect(odd.predict(new Float32Array(14).fill(-3e38)).every(Number.isFinite)).toBe(true);
    }
    expect(() => sgd({ lr: -1 })).toThrow(SimdnetError);
    expect(() => net.setBatch(Float32Array.from({ length: 32 }, (_, i) => (i === 20 ? Infinity : 0)), [0, 1])).toThrow(/input value 20 \(row 1\) is Infinity/);
  });

  it('a network that does not fit the WASM memory fails when planned, saying how much it needs', () => {
    const err = (() => { try { new Network(backend, { input: 784, layers: [dense(1_000_000)] }); } catch (e) { return e as Error; } })();
    expect(err).toBeInstanceOf(HeapError);
    expect(err!.message).toMatch(/heap: parameters .*needs 3\.1 GB .*the limit is 2\.1 GB/);
  });
});

describe('JSON form', () => {
  it('round-trips to identical predictions and refuses mismatched shapes', async () => {
    const backend = await createBackend('wasm-simd');
    const net = new Network(backend, { input: 16, layers: [dense(8, 'tanh'), dense(3)], init: 'glorot', seed: 11 });
    await net.fit(tinyDataset(128, 8), { epochs: 2, batchSize: 16 });
    const json = JSON.parse(JSON.stringify(net.toJSON()));
    expect(json).toMatchObject({ format: 'simdnet', version: 2, input: 16, loss: 'softmax-cross-entropy', init: 'glorot', seed: 11 });
    expect(json.layers[0]).toMatchObject({ type: 'dense', units: 8, activation: 'tanh' });
    expect(json.layers[0].params.weights).toHaveLength(128);
    expect(json.layers[1].params.bias).toHaveLength(3);
    const copy = Network.fromJSON(await createBackend('js'), json);
    const x = tinyDataset(20, 9);
    const a = net.predict(x), b = copy.predict(x);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 5);
    json.layers[0].units = 9;
    expect(() => Network.fromJSON(backend, json)).toThrow(/layer 0 \(dense\) weights: has 128 values, expected 16×9 = 144/);
  });
});
