import { describe, it, expect } from 'vitest';
import { augmentDigits } from '../src/digits/augment';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { dense } from '../src/nn/layers/index';
import { fromArrays } from '../src/data/dataset';

function square(): Float32Array {
  const img = new Float32Array(784);
  for (let y = 10; y < 18; y++) for (let x = 10; x < 18; x++) img[y * 28 + x] = 1;
  return img;
}
const centre = (img: Float32Array) => {
  let m = 0, mx = 0, my = 0;
  for (let i = 0; i < 784; i++) { m += img[i]; mx += img[i] * (i % 28); my += img[i] * Math.floor(i / 28); }
  return [mx / m, my / m, m];
};

describe('augmentDigits', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const run = (seed: number) => { const b = new Float32Array([...square(), ...square()]); augmentDigits({ seed })(b, 2, 28, 28); return b; };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    expect(run(1)).not.toEqual(new Float32Array([...square(), ...square()]));
  });

  it('a shift-only warp moves the centre of mass by at most the shift and keeps the ink', () => {
    const aug = augmentDigits({ degrees: 0, scale: [1, 1], shift: 3, thicker: 0, thinner: 0, seed: 3 });
    for (let i = 0; i < 20; i++) {
      const img = square();
      aug(img, 1, 28, 28);
      const [x, y, m] = centre(img);
      expect(Math.abs(x - 13.5)).toBeLessThanOrEqual(3.01);
      expect(Math.abs(y - 13.5)).toBeLessThanOrEqual(3.01);
      expect(m).toBeCloseTo(64, 0);
    }
  });

  it('scaling changes the ink by about scale², thicker strokes add ink and thinner remove it', () => {
    const big = square(); augmentDigits({ degrees: 0, scale: [1.2, 1.2], shift: 0, thicker: 0, thinner: 0 })(big, 1, 28, 28);
    expect(centre(big)[2] / 64).toBeCloseTo(1.44, 1);
    const thick = square(); augmentDigits({ degrees: 0, scale: [1, 1], shift: 0, thicker: 1, thinner: 0 })(thick, 1, 28, 28);
    const thin = square(); augmentDigits({ degrees: 0, scale: [1, 1], shift: 0, thicker: 0, thinner: 1 })(thin, 1, 28, 28);
    expect(centre(thick)[2]).toBeGreaterThan(64);
    expect(centre(thin)[2]).toBeLessThan(64);
  });

  it('fit applies it to every training batch (and the run stays deterministic)', async () => {
    const backend = await createBackend('wasm-simd');
    const data = fromArrays({ images: new Uint8Array(40 * 784).fill(7), labels: new Uint8Array(40), rows: 28, cols: 28 });
    let calls = 0, rowsSeen = 0;
    const inner = augmentDigits({ seed: 5 });
    const net = new Network(backend, { input: 784, layers: [dense(4, 'relu'), dense(10)], seed: 1 });
    await net.fit(data, { epochs: 2, batchSize: 16, augment: (b, rows, w, h) => { calls++; rowsSeen += rows; expect([w, h]).toEqual([28, 28]); expect(b.length).toBe(rows * 784); inner(b, rows, w, h); } });
    expect(calls).toBe(6);
    expect(rowsSeen).toBe(80);
  });
});
