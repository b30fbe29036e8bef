import type { BatchAugmenter } from '../nn/fit';
import { Rng } from '../rng';

export interface AugmentOptions {
  /** Largest rotation, degrees (uniform in ±). Default 15. */
  degrees?: number;
  /** Scale range. Default [0.8, 1.2]. */
  scale?: [number, number];
  /** Largest shift in pixels (uniform in ±, each axis). Default 3. */
  shift?: number;
  /** Probability of thickening the strokes, and of thinning them. Default 0.25 each. */
  thicker?: number;
  thinner?: number;
  seed?: number;
}

/**
 * Called by fit() on each gathered batch: rows images of width × height floats, modified in place.
 * A seeded augmenter exposes its RNG state, so a checkpointed run resumes with the same transforms.
 */
export type { BatchAugmenter } from '../nn/fit';

/**
 * Seeded on-the-fly augmentation of digit batches, so a model sees drawings that are rotated,
 * rescaled, shifted and drawn with thinner or thicker strokes: an affine warp about the image
 * centre (bilinear sampling), then, with some probability, a 3×3 grey dilation (thicker) or
 * erosion (thinner) blended half-way. The same seed gives the same sequence of transforms.
 */
export function augmentDigits(options: AugmentOptions = {}): BatchAugmenter {
  const degrees = options.degrees ?? 15, [s0, s1] = options.scale ?? [0.8, 1.2], shift = options.shift ?? 3;
  const thicker = options.thicker ?? 0.25, thinner = options.thinner ?? 0.25;
  const rng = new Rng(options.seed ?? 1);
  let src = new Float32Array(784), tmp = new Float32Array(784);

  const augment: BatchAugmenter = (batch, rows, w, h) => {
    const n = w * h;
    if (src.length < n) { src = new Float32Array(n); tmp = new Float32Array(n); }
    const cx = (w - 1) / 2, cy = (h - 1) / 2;
    for (let r = 0; r < rows; r++) {
      const img = batch.subarray(r * n, (r + 1) * n);
      src.set(img);
      const angle = (rng.uniform(-degrees, degrees) * Math.PI) / 180;
      const scale = rng.uniform(s0, s1);
      const dx = rng.uniform(-shift, shift), dy = rng.uniform(-shift, shift);
      const stroke = rng.next();
      // Inverse map: target (x, y) samples the source at R(−θ)·((x, y) − c − d)/s + c.
      const cos = Math.cos(angle) / scale, sin = Math.sin(angle) / scale;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const px = x - cx - dx, py = y - cy - dy;
          const u = cos * px + sin * py + cx, v = -sin * px + cos * py + cy;
          img[y * w + x] = bilinear(src, w, h, u, v);
        }
      }
      if (stroke < thicker) morph(img, tmp, w, h, Math.max);
      else if (stroke < thicker + thinner) morph(img, tmp, w, h, Math.min);
    }
  };
  augment.rngState = () => rng.getState();
  augment.setRngState = (state) => rng.setState(state);
  return augment;
}

function bilinear(src: Float32Array, w: number, h: number, u: number, v: number): number {
  const x0 = Math.floor(u), y0 = Math.floor(v), fx = u - x0, fy = v - y0;
  const at = (x: number, y: number) => (x >= 0 && x < w && y >= 0 && y < h ? src[y * w + x] : 0);
  return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
}

/** 3×3 grey dilation (max) or erosion (min), blended half-way with the original. */
function morph(img: Float32Array, tmp: Float32Array, w: number, h: number, op: (a: number, b: number) => number): void {
  tmp.set(img.subarray(0, w * h));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let m = tmp[y * w + x];
      for (let j = Math.max(0, y - 1); j <= Math.min(h - 1, y + 1); j++) {
        for (let i = Math.max(0, x - 1); i <= Math.min(w - 1, x + 1); i++) m = op(m, tmp[j * w + i]);
      }
      img[y * w + x] = 0.5 * (tmp[y * w + x] + m);
    }
  }
}
