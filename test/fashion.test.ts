import { describe, it, expect } from 'vitest';
import { loadFashionMnist, FASHION_CLASSES } from '../src/data/fashion-node';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { parseLayers } from '../src/nn/layers/index';
import { adam } from '../src/nn/optimizers';
import { take } from '../src/data/dataset';

describe('Fashion-MNIST from the fashion-mnist package', () => {
  it('splits 70,000 images deterministically and stratified, with class names, and a small MLP learns it', async () => {
    const a = await loadFashionMnist();
    expect([a.train.count, a.validation.count, a.test.count]).toEqual([50_000, 10_000, 10_000]);
    expect(a.train.classNames).toEqual(FASHION_CLASSES);
    // stratified: every class is ~1/10 of the test split
    const counts = new Array(10).fill(0);
    for (let i = 0; i < a.test.count; i++) counts[a.test.y[i]]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    // deterministic: the same seed gives the same split; a different seed another
    const b = await loadFashionMnist();
    expect(b.test.y).toEqual(a.test.y);
    expect(b.test.x.subarray(0, 7840)).toEqual(a.test.x.subarray(0, 7840));
    const c = await loadFashionMnist({ seed: 5 });
    expect(c.test.x.subarray(0, 7840)).not.toEqual(a.test.x.subarray(0, 7840));

    const net = new Network(await createBackend('auto'), { input: 784, layers: parseLayers('128:relu,10'), init: 'he', seed: 1 });
    await net.fit(take(a.train, 10_000), { epochs: 2, batchSize: 32, optimizer: adam({ lr: 0.002 }) });
    expect(net.evaluate(take(a.test, 2_000)).accuracy).toBeGreaterThan(0.78);
  }, 120_000);
});
