import { describe, it, expect, beforeAll } from 'vitest';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { dense, conv2d, maxPool2d, flatten, dropout, windowGeometry, Conv2D } from '../src/nn/layers/index';
import { adam } from '../src/nn/optimizers';
import { checkGradients } from '../src/nn/gradcheck';
import { loadMnist } from '../src/data/mnist-node';
import { take, fromArrays } from '../src/data/dataset';
import { Rng } from '../src/rng';
import { usesWinograd } from '../src/nn/layers/conv2d';
import * as ref from './support/reference';

const batch = (rows: number, input: number, classes: number, seed: number) => {
  const rng = new Rng(seed);
  return { x: Float32Array.from({ length: rows * input }, () => rng.next()), labels: Array.from({ length: rows }, () => rng.int(classes)) };
};

describe('window geometry', () => {
  it("'same' gives ⌈n/stride⌉ outputs with TensorFlow's padding split; 'valid' ⌊(n−k)/stride⌋+1", () => {
    expect(windowGeometry(28, 5, 1, 'same')).toEqual({ out: 28, pad: 2 });
    expect(windowGeometry(7, 2, 2, 'same')).toEqual({ out: 4, pad: 0 });
    expect(windowGeometry(8, 4, 2, 'same')).toEqual({ out: 4, pad: 1 });
    expect(windowGeometry(28, 5, 1, 'valid')).toEqual({ out: 24, pad: 0 });
  });

  it('explicit zeros [before, after]: ⌊(n + before + after − k)/stride⌋ + 1 outputs (PyTorch and ONNX)', () => {
    expect(windowGeometry(14, 3, 2, [1, 1])).toEqual({ out: 7, pad: 1 }); // PyTorch Conv2d(k=3, stride=2, padding=1): not 'same' (pad 0)
    expect(windowGeometry(14, 3, 2, 'same')).toEqual({ out: 7, pad: 0 });
    expect(windowGeometry(5, 3, 1, [0, 2])).toEqual({ out: 5, pad: 0 });
  });
});

describe.each(['js', 'wasm-simd'] as const)('conv networks on %s', (choice) => {
  let backend: Backend;
  beforeAll(async () => { backend = await createBackend(choice); });

  it('gradient check: conv (same, stride 1 and 2, valid) + pool + dense, every tensor within 1e-3', () => {
    const net = new Network(backend, {
      input: [7, 6, 2],
      layers: [conv2d(3, 3, { activation: 'tanh' }), conv2d(4, [2, 3], { stride: 2, padding: 'valid', activation: 'sigmoid' }), maxPool2d(2, { stride: 1 }), flatten(), dense(5)],
      init: 'glorot',
      seed: 3,
    });
    const { x, labels } = batch(4, 7 * 6 * 2, 5, 1);
    const res = checkGradients(net, x, labels, { samples: 60 });
    expect(res.map((r) => r.name)).toEqual(['conv2d0.weights', 'conv2d0.bias', 'conv2d1.weights', 'conv2d1.bias', 'dense4.weights', 'dense4.bias']);
    for (const r of res) expect(r.relativeError, `${r.name}: ${r.relativeError}`).toBeLessThan(1e-3);
  });

  it('gradient check: conv with explicit zeros (symmetric and not, stride 2), every tensor within 1e-3', () => {
    const net = new Network(backend, {
      input: [7, 6, 2],
      layers: [conv2d(3, 3, { padding: 1, stride: 2, activation: 'tanh' }), conv2d(2, [2, 3], { padding: [0, 2, 1, 0], activation: 'sigmoid' }), dense(3)],
      init: 'glorot',
      seed: 4,
    });
    expect(net.layers[0].outShape).toEqual([4, 3, 3]);
    expect(net.layers[2].outShape).toEqual([4, 3, 2]); // rows (4 + 0 + 1 − 2) + 1, columns (3 + 2 + 0 − 3) + 1
    expect(net.describe()).toBe('7×6×2-conv3×3×3/2p1(tanh)-conv2×3×2p0,2,1,0(sigmoid)-3 softmax-cross-entropy, 170 parameters');
    const { x, labels } = batch(3, 7 * 6 * 2, 3, 5);
    for (const r of checkGradients(net, x, labels, { samples: 60 })) expect(r.relativeError, `${r.name}: ${r.relativeError}`).toBeLessThan(1e-3);
    const copy = Network.fromJSON(backend, JSON.parse(JSON.stringify(net.toJSON())));
    expect(copy.specs[0]).toMatchObject({ padding: [1, 1, 1, 1] });
    expect(copy.predict(x)).toEqual(net.predict(x));
  });

  it('dropout is off at evaluation and on (seeded) in training', async () => {
    const net = new Network(backend, { input: [4, 4, 1], layers: [conv2d(2, 3, { activation: 'relu' }), dropout(0.5), dense(3)], init: 'he', seed: 1 });
    const { x } = batch(2, 16, 3, 2);
    expect(net.predict(x)).toEqual(net.predict(x)); // deterministic at evaluation
    const { rows } = net.setBatch(x, [0, 1]);
    const out = () => net.backend.heap.read(net.forwardRows(rows, 'train'), rows * 3);
    expect(out()).not.toEqual(out()); // a fresh mask per training batch
  });

  it("inference on few channels (the direct kernel) equals the training path's im2col + GEMM within 1e-6", async () => {
    for (const be of ['js', 'wasm'] as const) {
      const b = await createBackend(be);
      // [h, w, c, filters, kernel, stride, padding]: c ≤ 4 takes the direct kernel when inferring.
      // The last: kh·kw·c = 16,384 taps, one more than the direct kernel's scratch holds (the GEMM path runs).
      for (const [h, w, c, f, k, st, pad] of [[28, 28, 1, 12, 3, 1, 'valid'], [9, 7, 3, 21, 5, 2, 'same'], [5, 6, 4, 1, 2, 1, [1, 0, 0, 1]], [129, 129, 1, 5, 128, 1, 'valid']] as const) {
        const conv = new Conv2D([h, w, c], f, [k, k], st, pad as never);
        const heap = b.heap.group('direct conv test');
        const rows = 3, rng = new Rng(7);
        const [W, bias] = conv.params().map((p) => heap.allocF32From(Float32Array.from({ length: p.shape.reduce((a, n) => a * n, 1) }, () => rng.normal())));
        conv.bind([W, bias], [heap.allocF32(k * k * c * f), heap.allocF32(f)]);
        conv.plan(heap, rows, rows);
        const x = heap.allocF32From(Float32Array.from({ length: rows * h * w * c }, () => rng.next()));
        const direct = b.heap.f32(conv.forward(b.kernels, rows, x, 'infer'), rows * conv.outSize).slice();
        const gemm = b.heap.f32(conv.forward(b.kernels, rows, x, 'grad'), rows * conv.outSize).slice();
        const scale = Math.max(...gemm.map(Math.abs));
        for (let i = 0; i < gemm.length; i++) expect(Math.abs(direct[i] - gemm[i]) / scale, `${be} [${h}, ${w}, ${c}] f${f} at ${i}`).toBeLessThan(1e-6);
        heap.release();
      }
      b.dispose();
    }
  });

  it('gradient check: 5×5 convs on 6 and 8 channels (Winograd), same and valid, every tensor within 1e-3', () => {
    const net = new Network(backend, {
      input: [9, 7, 6],
      layers: [conv2d(8, 5, { activation: 'tanh' }), conv2d(3, 5, { padding: 'valid', activation: 'sigmoid' }), dense(4)],
      init: 'glorot',
      seed: 6,
    });
    expect(net.layers.filter((l) => l.type === 'conv2d').map((l) => usesWinograd((l as Conv2D).kernel, (l as Conv2D).stride, (l as Conv2D).inShape[2]))).toEqual([true, true]);
    const { x, labels } = batch(3, 9 * 7 * 6, 4, 8);
    const res = checkGradients(net, x, labels, { samples: 60 });
    expect(res.map((r) => r.name)).toEqual(['conv2d0.weights', 'conv2d0.bias', 'conv2d1.weights', 'conv2d1.bias', 'dense2.weights', 'dense2.bias']);
    for (const r of res) expect(r.relativeError, `${r.name}: ${r.relativeError}`).toBeLessThan(1e-3);
  });

  it('Winograd F(2×2, 5×5) forward, dW and dx equal the float64 convolution (im2col · W) within 1e-5 of the largest value of each tensor', async () => {
    // [h, w, c, filters, padding]: the CNN preset's second conv, odd outputs (partial tiles), channel
    // counts around vectors of 4, explicit padding that differs per side, filters that end the
    // filter transform's 64-wide scratch rows with one-lane tails (62) and span two of them (130).
    for (const [h, w, c, f, pad] of [[14, 14, 32, 64, 'same'], [9, 7, 5, 6, 'same'], [8, 11, 7, 3, 'valid'], [6, 9, 12, 5, [1, 2, 0, 3]], [9, 7, 5, 62, 'same'], [7, 8, 6, 130, 'valid']] as const) {
      const conv = new Conv2D([h, w, c], f, [5, 5], 1, pad as never);
      expect(usesWinograd(conv.kernel, conv.stride, c)).toBe(true);
      const heap = backend.heap.group('Winograd test');
      const rows = 2, rng = new Rng(11), K = 25 * c, [oh, ow] = conv.outShape;
      const Wv = Float32Array.from({ length: K * f }, () => rng.normal()), bv = Float32Array.from({ length: f }, () => rng.normal());
      const xv = Float32Array.from({ length: rows * h * w * c }, () => rng.normal()), dyv = Float32Array.from({ length: rows * oh * ow * f }, () => rng.normal());
      const dW = heap.allocF32(K * f), db = heap.allocF32(f);
      conv.bind([heap.allocF32From(Wv), heap.allocF32From(bv)], [dW, db]);
      conv.plan(heap, rows, rows);
      const x = heap.allocF32From(xv), dy = heap.allocF32From(dyv);
      const y = backend.heap.f32(conv.forward(backend.kernels, rows, x, 'grad'), rows * conv.outSize).slice();
      const dx = backend.heap.f32(conv.backward(backend.kernels, rows, dy, true), rows * h * w * c).slice();
      const [padT, padL] = [(conv as unknown as { padT: number }).padT, (conv as unknown as { padL: number }).padL];
      const cols = ref.im2col(rows, h, w, c, 5, 5, 1, padT, padL, oh, ow, xv).cols.values;
      const want = {
        y: ref.convForward(rows, h, w, c, 5, 5, 1, padT, padL, oh, ow, f, xv, Wv, bv).y,
        dW: ref.gemm(1, 0, K, f, rows * oh * ow, cols, dyv, null).c,
        dx: ref.col2im(rows, h, w, c, 5, 5, 1, padT, padL, oh, ow, ref.gemm(0, 1, rows * oh * ow, K, f, dyv, Wv, null).c.values).dx,
      };
      const got = { y, dW: backend.heap.f32(dW, K * f).slice(), dx };
      for (const name of ['y', 'dW', 'dx'] as const) {
        const { values } = want[name];
        let worst = 0, largest = 0;
        for (let i = 0; i < values.length; i++) { worst = Math.max(worst, Math.abs(got[name][i] - values[i])); largest = Math.max(largest, Math.abs(values[i])); }
        // The transforms' own rounding (coefficients up to 5/2 and 16/15, 6×6 sums) on top of the
        // products' is spread over a tile: measured against the tensor's largest value (an edge
        // element with one product term can be off by more than its own rounding).
        expect(worst / largest, `${choice} [${h}, ${w}, ${c}] f${f} ${JSON.stringify(pad)}: ${name}`).toBeLessThan(1e-5);
      }
      heap.release();
    }
  });

  it('Winograd reuses its transformed filters only while the weights are unchanged (setWeights, training, a weight set back)', async () => {
    const make = () => new Network(backend, { input: [8, 8, 6], layers: [conv2d(5, 5, { activation: 'relu' }), dense(3)], init: 'he', seed: 9 });
    const net = make(), fresh = make();
    const { x, labels } = batch(4, 8 * 8 * 6, 3, 12);
    const w0 = net.getWeights();
    const p0 = net.predict(x);
    expect(net.predict(x)).toEqual(p0); // reused
    const w1 = w0.map((v, i) => (i % 7 === 0 ? v * 1.5 : v));
    net.setWeights(w1);
    fresh.setWeights(w1);
    expect(net.predict(x)).toEqual(fresh.predict(x));
    await net.fit(fromArrays({ x, shape: [8, 8, 6], y: Int32Array.from(labels), classes: 3 }), { epochs: 1, batchSize: 4, optimizer: adam({ lr: 0.01 }) });
    fresh.setWeights(net.getWeights());
    expect(net.predict(x)).toEqual(fresh.predict(x));
    net.setWeights(w0); // back to the weights of the first prediction
    expect(net.predict(x)).toEqual(p0);
  });

  it('JSON round trip of a conv network keeps its predictions', async () => {
    const net = new Network(backend, { input: [6, 6, 1], layers: [conv2d(2, 3, { activation: 'relu' }), maxPool2d(2), dense(3)], init: 'he', seed: 2 });
    const json = JSON.parse(JSON.stringify(net.toJSON()));
    expect(json.layers.map((l: { type: string }) => l.type)).toEqual(['conv2d', 'maxPool2d', 'dense']);
    const copy = Network.fromJSON(backend, json);
    const { x } = batch(3, 36, 3, 4);
    expect(copy.predict(x)).toEqual(net.predict(x));
    expect(net.describe()).toBe('6×6×1-conv3×3×2(relu)-pool2-3 softmax-cross-entropy, 77 parameters');
  });

  it('refuses image layers without an image input and windows that do not fit', () => {
    expect(() => new Network(backend, { input: 784, layers: [conv2d(4, 3), dense(10)] })).toThrow(/layer 0 \(conv2d\) needs an image input/);
    expect(() => new Network(backend, { input: [3, 3, 1], layers: [conv2d(4, 5, { padding: 'valid' }), dense(2)] })).toThrow(/does not fit a 3×3 input/);
    expect(() => new Network(backend, { input: [3, 3, 1], layers: [maxPool2d(4), dense(2)] })).toThrow(/does not fit/);
    expect(() => new Network(backend, { input: [5, 5, 1], layers: [conv2d(4, 3, { padding: 3 }), dense(2)] })).toThrow(/padding \[top, left, bottom, right\] must be integers from 0 to the kernel size − 1 \(3×3\), got \[3,3,3,3\]/);
    expect(() => new Network(backend, { input: [2, 2, 1], layers: [conv2d(4, 5, { padding: [1, 1, 1, 1] }), dense(2)] })).toThrow(/a 5×5 padding \[1,1,1,1\] convolution does not fit a 2×2 input/);
  });
});

describe('a small CNN on real MNIST', () => {
  it('reaches ≥ 93% test accuracy on 5,000 training images in 2 epochs (wasm)', async () => {
    const { train, test } = await loadMnist();
    const net = new Network(await createBackend('auto'), {
      input: [28, 28, 1],
      layers: [conv2d(8, 5, { activation: 'relu' }), maxPool2d(2), conv2d(16, 5, { activation: 'relu' }), maxPool2d(2), dense(10)],
      init: 'he',
      seed: 1,
    });
    await net.fit(take(train, 5000), { epochs: 2, batchSize: 32, optimizer: adam({ lr: 0.002 }) });
    expect(net.evaluate(take(test, 2000)).accuracy).toBeGreaterThanOrEqual(0.93);
  });
});
