import { describe, it, expect, beforeAll } from 'vitest';
import { preprocessDigit } from '../src/digits/preprocess';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { parseLayers } from '../src/nn/layers/index';
import { adam } from '../src/nn/optimizers';
import { loadMnist, type Mnist } from '../src/data/mnist-node';
import { take } from '../src/data/dataset';
import { drawOnCanvas } from './support/draw';

describe('preprocessDigit', () => {
  it('a blank canvas gives an empty frame', () => {
    expect(preprocessDigit({ data: new Uint8Array(50 * 40), width: 50, height: 40 }).every((v) => v === 0)).toBe(true);
  });

  it('crops, scales the longer side to 20 px and centres the mass at (14, 14)', () => {
    // A light 10×30 bar on a dark 60×60 grayscale image, off-centre.
    const img = new Uint8Array(60 * 60);
    for (let y = 5; y < 35; y++) for (let x = 40; x < 50; x++) img[y * 60 + x] = 255;
    const out = preprocessDigit({ data: img, width: 60, height: 60 });
    let mass = 0, mx = 0, my = 0, top = 28, bottom = -1;
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
      const v = out[y * 28 + x];
      mass += v; mx += v * (x + 0.5); my += v * (y + 0.5);
      if (v > 0.5) { top = Math.min(top, y); bottom = Math.max(bottom, y); }
    }
    expect(bottom - top + 1).toBe(20);
    expect(Math.abs(mx / mass - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(my / mass - 14)).toBeLessThanOrEqual(0.5);
  });

  it('refuses data that does not match the size', () => {
    expect(() => preprocessDigit({ data: new Uint8Array(10), width: 4, height: 4 })).toThrow(/4×4 with 1 channel\(s\) needs 16 values, got 10/);
  });

  describe('on real test digits, shifted, rescaled and inverted on a canvas', () => {
    let mnist: Mnist;
    let net: Network;
    beforeAll(async () => {
      mnist = await loadMnist();
      net = new Network(await createBackend('auto'), { input: 784, layers: parseLayers('128:relu,10'), init: 'he', seed: 2 });
      await net.fit(take(mnist.train, 20000), { epochs: 3, batchSize: 32, optimizer: adam({ lr: 0.002 }) });
    });

    it('the classifier still names ≥ 90% of the digits it names correctly in MNIST form', () => {
      let tried = 0, kept = 0;
      for (let i = 0; i < 200 && tried < 60; i++) {
        const digit = (mnist.test.x as Uint8Array).subarray(i * 784, (i + 1) * 784);
        const label = mnist.test.y[i];
        if (net.classify(digit)[0] !== label) continue;
        tried++;
        const s = 2 + (i % 4) * 0.75, ox = 7 + (i % 5) * 9, oy = 3 + (i % 3) * 11;
        const canvas = drawOnCanvas(digit, 140, 120, s, ox, oy);
        const x = preprocessDigit({ data: canvas, width: 140, height: 120 });
        if (net.classify(x)[0] === label) kept++;
      }
      expect(tried).toBe(60);
      expect(kept / tried).toBeGreaterThanOrEqual(0.9);
    });
  });
});
