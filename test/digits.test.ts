import { describe, it, expect, beforeAll } from 'vitest';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDigitClassifier, DIGIT_MODEL_BYTES } from '../src/digits-entry';
import type { DigitClassifier } from '../src/digits/classifier';
import { loadMnist, type Mnist } from '../src/data/mnist-node';
import { drawOnCanvas } from './support/draw';

describe('the shipped digit classifier (models/digits.simdnet)', () => {
  let clf: DigitClassifier;
  let mnist: Mnist;
  beforeAll(async () => {
    clf = await loadDigitClassifier();
    mnist = await loadMnist();
  });

  it('is at most 400 KB and reaches ≥ 98.5% on MNIST test, as its metadata says', () => {
    expect(statSync(fileURLToPath(new URL('../models/digits.simdnet', import.meta.url))).size).toBeLessThanOrEqual(400_000);
    expect(DIGIT_MODEL_BYTES.length).toBeLessThanOrEqual(400_000);
    const { accuracy } = clf.net.evaluate(mnist.test);
    expect(accuracy).toBeGreaterThanOrEqual(0.985);
    expect(accuracy).toBeCloseTo(clf.metadata.testAccuracy as number, 10);
    expect(clf.metadata.augmentedTestAccuracy as number).toBeGreaterThanOrEqual(0.97);
  });

  it('names test digits drawn dark-on-light, shifted and rescaled on a canvas (ImageData)', () => {
    let right = 0;
    const n = 100;
    for (let i = 0; i < n; i++) {
      const digit = (mnist.test.x as Uint8Array).subarray(i * 784, (i + 1) * 784);
      const data = drawOnCanvas(digit, 160, 120, 1.5 + (i % 5) * 0.6, 5 + (i % 7) * 9, 2 + (i % 3) * 10);
      const { digit: d, probabilities } = clf.classify({ data, width: 160, height: 120 });
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      if (d === mnist.test.y[i]) right++;
    }
    expect(right / n).toBeGreaterThanOrEqual(0.95);
  });

  it('takes grayscale bytes light-on-dark of any size too', () => {
    const digit = (mnist.test.x as Uint8Array).subarray(0, 784); // a 7
    const big = new Uint8Array(56 * 56);
    for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) big[y * 56 + x] = digit[(y >> 1) * 28 + (x >> 1)];
    expect(clf.classify({ data: big, width: 56, height: 56 }).digit).toBe(7);
    expect(clf.classify(big, { width: 56, height: 56 }).digit).toBe(7);
  });
});
