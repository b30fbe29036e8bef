// The examples of extending simdnet counted in the notes: the leaky-relu activation (a new
// elementwise kernel pair) and the adamw optimizer (a new optimizer kernel), used end to end.
import { describe, it, expect } from 'vitest';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { dense } from '../src/nn/layers/index';
import { adam, adamw, optimizerByName } from '../src/nn/optimizers';
import { checkGradients } from '../src/nn/gradcheck';
import { fromArrays } from '../src/data/dataset';
import { Rng } from '../src/rng';

const rng = new Rng(1);
const data = fromArrays({ x: Float32Array.from({ length: 64 * 6 }, () => rng.uniform(-1, 1)), shape: [6], y: Int32Array.from({ length: 64 }, () => rng.int(3)), classes: 3 });

describe.each(['js', 'wasm-simd'] as const)('extensions on %s', (choice) => {
  it('leaky-relu: gradients match central differences and negative inputs pass at slope 0.01', async () => {
    const backend = await createBackend(choice);
    const net = new Network(backend, { input: 6, layers: [dense(7, 'leaky-relu'), dense(3)], init: 'glorot', seed: 2 });
    for (const r of checkGradients(net, data.x.subarray(0, 60) as Float32Array, Array.from(data.y.subarray(0, 10)))) expect(r.relativeError, r.name).toBeLessThan(1e-3);
    const probe = new Network(backend, { input: 2, layers: [dense(2, 'leaky-relu')], loss: 'mse', seed: 3 });
    probe.setWeights([1, 0, 0, 1, 0, 0, 0, 0]); // W = I, b = 0 (padded to 4 floats)
    expect(Array.from(probe.predict(Float32Array.of(-2, 3)))).toEqual([Math.fround(-0.02), 3]);
    expect(probe.describe()).toBe('2-2(leaky-relu) mse, 6 parameters');
  });

  it('adamw: with weightDecay 0 it is adam, bit for bit; with decay the weights shrink', async () => {
    const backend = await createBackend(choice);
    const make = () => new Network(backend, { input: 6, layers: [dense(8, 'relu'), dense(3)], init: 'he', seed: 4 });
    const [a, b, c] = [make(), make(), make()];
    await a.fit(data, { epochs: 3, batchSize: 16, optimizer: adam({ lr: 0.01 }) });
    await b.fit(data, { epochs: 3, batchSize: 16, optimizer: adamw({ lr: 0.01, weightDecay: 0 }) });
    await c.fit(data, { epochs: 3, batchSize: 16, optimizer: adamw({ lr: 0.01, weightDecay: 0.5 }) });
    expect(b.getWeights()).toEqual(a.getWeights());
    const norm = (w: Float32Array) => Math.hypot(...w);
    expect(norm(c.getTensor('dense0.weights'))).toBeLessThan(norm(a.getTensor('dense0.weights')));
    expect(optimizerByName('adamw', 0.002).options).toMatchObject({ lr: 0.002, weightDecay: 0.01 });
    expect(() => adamw({ weightDecay: -1 })).toThrow(/adamw: weightDecay must be a non-negative number, got -1/);
  });
});
