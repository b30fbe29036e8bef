// reshape: a new layer type in three files (src/nn/layers/reshape.ts, the LAYER_TYPES row, this test).
import { describe, it, expect } from 'vitest';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { reshape, conv2d, dense, eurnn } from '../src/nn/layers/index';
import { checkGradients } from '../src/nn/gradcheck';
import { Rng } from '../src/rng';

describe('reshape', () => {
  it('flat features seen as an image: the same outputs and gradients as an image input', async () => {
    const backend = await createBackend('wasm-simd');
    const layers = [conv2d(3, 3, { activation: 'tanh' }), dense(4)];
    const image = new Network(backend, { input: [5, 5, 2], layers, init: 'glorot', seed: 2 });
    const flat = new Network(backend, { input: 50, layers: [reshape([5, 5, 2]), ...layers], init: 'glorot', seed: 2 });
    expect(flat.tensors.map((t) => t.name)).toEqual(['conv2d1.weights', 'conv2d1.bias', 'dense2.weights', 'dense2.bias']);
    expect(flat.getWeights()).toEqual(image.getWeights());
    const rng = new Rng(3);
    const x = Float32Array.from({ length: 6 * 50 }, () => rng.uniform(-1, 1));
    expect(flat.predict(x)).toEqual(image.predict(x));
    const y = [0, 1, 2, 3, 0, 1];
    image.backward(x, y);
    flat.backward(x, y);
    expect(flat.gradients()).toEqual(image.gradients());
    for (const r of checkGradients(flat, x, y)) expect(r.relativeError, r.name).toBeLessThan(1e-3);
    expect(flat.describe()).toBe('50-reshape5×5×2-conv3×3×3(tanh)-4 softmax-cross-entropy, 361 parameters');
    expect(Network.fromJSON(backend, flat.toJSON()).predict(x)).toEqual(flat.predict(x));
  });

  it('refuses a shape of another size, and a bad shape in a file', async () => {
    const backend = await createBackend('js');
    expect(() => new Network(backend, { input: 784, layers: [reshape([28, 27]), eurnn(8), dense(2)] })).toThrow(/layer 0 \(reshape\): \[28, 27\] holds 756 values, the input \[784\] has 784/);
    expect(() => new Network(backend, { input: 4, layers: [{ type: 'reshape', shape: [2, -2] } as never, dense(2)] })).toThrow(/layer 0 \(reshape\): shape must be a list of 1 to 4 positive integers, got \[2,-2\]/);
  });
});
