// The fast preprocessing (issue 21) gives the plain version's floats to a float32 rounding (its area
// resize adds the same products grouped by rows first, so a sum may round the other way), the same ink
// statistics and "no digit" reasons: test/support/preprocess-reference.ts is that version, kept as
// the oracle. Real MNIST digits redrawn on canvases at several scales, offsets and polarities, as
// RGBA, gray bytes and floats; odd sizes; blank pages, specks, noise, transparency, misaligned views.
import { describe, it, expect, beforeAll } from 'vitest';
import { preprocessPixels, type PixelsInput } from '../src/digits/preprocess';
import { noDigitReason } from '../src/digits/ink';
import { loadMnist, type Mnist } from '../src/data/mnist-node';
import { Rng } from '../src/rng';
import { drawOnCanvas, drawStrokes } from './support/draw';
import { refPreprocessPixels } from './support/preprocess-reference';

/** The most two float32 roundings of one sum in [0, 1] can differ: one unit in the last place at 1. */
const ROUNDING = 2 ** -23;

/** Same floats to a rounding (no NaN, no −0), same ink, same reason; returns a description of the first difference. */
function differs(input: PixelsInput): string | undefined {
  const want = refPreprocessPixels(input), got = preprocessPixels(input);
  for (let i = 0; i < 784; i++) {
    const g = got.input[i], w = want.input[i];
    if (!(Math.abs(g - w) <= ROUNDING) || Object.is(g, -0) !== Object.is(w, -0)) return `input[${i}]: ${g}, want ${w}`;
  }
  if (JSON.stringify(got.ink) !== JSON.stringify(want.ink)) return `ink ${JSON.stringify(got.ink)}, want ${JSON.stringify(want.ink)}`;
  if (noDigitReason(got.ink) !== noDigitReason(want.ink)) return 'reason';
  return undefined;
}

const expectSame = (input: PixelsInput, what: string) => expect(differs(input), what).toBeUndefined();

/** The canvas with its RGB inverted (light ink on a dark page), alpha kept. */
const invertRgb = (rgba: Uint8ClampedArray) => rgba.map((v, k) => (k % 4 === 3 ? v : 255 - v));
/** RGBA → one gray byte per pixel (the red channel: drawOnCanvas draws gray). */
const redChannel = (rgba: Uint8ClampedArray) => Uint8Array.from({ length: rgba.length / 4 }, (_, i) => rgba[4 * i]);

describe('fast preprocessing is the plain one, to a float32 rounding', () => {
  let mnist: Mnist;
  beforeAll(async () => { mnist = await loadMnist(); });
  const digit = (i: number) => (mnist.test.x as Uint8Array).subarray(i * 784, (i + 1) * 784);

  it('300 MNIST test digits as 28×28 gray bytes, floats and number[]', () => {
    for (let i = 0; i < 300; i++) {
      const d = digit(i);
      expectSame({ data: d, width: 28, height: 28 }, `bytes ${i}`);
      expectSame({ data: Float32Array.from(d, (v) => v / 255), width: 28, height: 28 }, `floats ${i}`);
      if (i < 50) expectSame({ data: Array.from(d, (v) => 255 - v), width: 28, height: 28 }, `number[] ${i}`);
    }
  });

  it('240 digits redrawn on 280×280 RGBA canvases: scales, offsets, both polarities, as gray too', () => {
    const rng = new Rng(21);
    for (let i = 0; i < 240; i++) {
      const s = 2 + rng.next() * 9, o = 140 - 14 * s, dx = (rng.next() - 0.5) * 120, dy = (rng.next() - 0.5) * 120;
      const rgba = drawOnCanvas(digit(1000 + i), 280, 280, s, o + dx, o + dy);
      expectSame({ data: rgba, width: 280, height: 280 }, `dark ${i}`);
      const light = invertRgb(rgba);
      expectSame({ data: light, width: 280, height: 280 }, `light ${i}`);
      if (i % 4 === 0) {
        expectSame({ data: redChannel(light), width: 280, height: 280 }, `gray ${i}`);
        expectSame({ data: Float64Array.from(redChannel(rgba), (v) => v / 255), width: 280, height: 280 }, `float64 ${i}`);
      }
    }
  });

  it('digits cut by the edges (ink touching the last row and column: the resize reads past the box)', () => {
    for (let i = 0; i < 60; i++) {
      const s = 4 + (i % 5), w = 37 + (i % 3) * 29, h = 53 + (i % 4) * 17;
      const rgba = drawOnCanvas(digit(2000 + i), w, h, s, w - 28 * s + ((i * 5) % 30), h - 28 * s + ((i * 3) % 30));
      expectSame({ data: rgba, width: w, height: h }, `edge ${i} ${w}×${h}`);
      expectSame({ data: invertRgb(rgba), width: w, height: h }, `edge light ${i}`);
    }
    // a thin bar on the bottom row of 28×28: the resize once read past the last pixel (NaN: a blank output)
    for (const [bw, bh] of [[1, 11], [1, 22], [2, 27], [5, 11], [11, 1]]) {
      const img = new Uint8Array(784);
      for (let y = 28 - bh; y < 28; y++) for (let x = 28 - bw; x < 28; x++) img[y * 28 + x] = 200;
      expectSame({ data: img, width: 28, height: 28 }, `bar ${bw}×${bh}`);
      const out = preprocessPixels({ data: img, width: 28, height: 28 }).input;
      expect(out.every(Number.isFinite) && out.some((v) => v > 0.5), `bar ${bw}×${bh} has ink`).toBe(true);
    }
  });

  it('pen strokes: flat ink with anti-aliased edges (long runs of one colour, as the demo pad draws)', () => {
    const rng = new Rng(13);
    const demo: [number, number][][][] = [
      [[[70, 60], [215, 60], [130, 240]]],
      [Array.from({ length: 33 }, (_, i): [number, number] => [140 + 62 * Math.sin((i / 32) * 2 * Math.PI), 140 - 95 * Math.cos((i / 32) * 2 * Math.PI)])],
      [[[150, 40], [135, 245]]],
    ];
    for (const strokes of demo) {
      const pad = drawStrokes(strokes);
      expectSame(pad, 'demo pad');
      expectSame({ ...pad, data: invertRgb(pad.data) }, 'demo pad, light on dark');
    }
    for (let i = 0; i < 24; i++) { // random polylines, pens of 2–30 px, on pads of 40–300 px, some touching the edges
      const size = 40 + Math.floor(rng.next() * 260), pen = 2 + Math.floor(rng.next() * 28);
      const at = () => Math.round(rng.next() * 1.2 * size - 0.1 * size);
      const strokes = Array.from({ length: 1 + (i % 3) }, () => Array.from({ length: 2 + Math.floor(rng.next() * 4) }, (_, k): [number, number] => [at() + k, at()]));
      const pad = drawStrokes(strokes, pen, size);
      expectSame(pad, `strokes ${i} (${size} px, pen ${pen})`);
      if (i % 2) expectSame({ ...pad, data: invertRgb(pad.data) }, `strokes ${i}, light on dark`);
    }
  });

  it('odd sizes, colour, transparency, misaligned views', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 40; i++) {
      const w = 37, h = 53;
      const rgba = drawOnCanvas(digit(3000 + i), w, h, 1.3 + (i % 3) * 0.4, 2, 5);
      for (let p = 0; p < w * h; p++) { // tint, and some transparency
        rgba[4 * p] = Math.min(255, rgba[4 * p] + (i % 7) * 9);
        rgba[4 * p + 2] = rgba[4 * p + 2] * 0.8;
        if (i % 2 && rng.next() < 0.2) rgba[4 * p + 3] = Math.floor(rng.next() * 256);
      }
      expectSame({ data: rgba, width: w, height: h }, `colour ${i}`);
      const shifted = new Uint8Array(rgba.length + 1);
      shifted.set(rgba, 1);
      expectSame({ data: shifted.subarray(1), width: w, height: h, channels: 4 }, `misaligned ${i}`);
    }
    expectSame({ data: new Uint8ClampedArray(280 * 280 * 4), width: 280, height: 280 }, 'transparent canvas');
  });

  it('blank, specks, dots, filled areas, noise', () => {
    const rng = new Rng(9);
    for (const [w, h] of [[280, 280], [37, 53], [1, 1], [3, 200], [28, 28]]) {
      expectSame({ data: new Uint8Array(w * h), width: w, height: h }, `black ${w}×${h}`);
      expectSame({ data: new Uint8Array(w * h).fill(255), width: w, height: h }, `white ${w}×${h}`);
      expectSame({ data: Uint8Array.from({ length: w * h }, () => (rng.next() < 0.3 ? Math.floor(rng.next() * 256) : 0)), width: w, height: h }, `noise ${w}×${h}`);
      expectSame({ data: Uint8ClampedArray.from({ length: w * h * 4 }, () => Math.floor(rng.next() * 256)), width: w, height: h }, `rgba noise ${w}×${h}`);
      expectSame({ data: Float32Array.from({ length: w * h }, () => rng.next() * 1.4 - 0.2), width: w, height: h }, `float noise ${w}×${h}`);
    }
    for (let i = 0; i < 30; i++) { // a speck, a dot or a filled rectangle on a white page
      const w = 280, img = new Uint8Array(w * w).fill(255);
      const x0 = Math.floor(rng.next() * 250), y0 = Math.floor(rng.next() * 250), bw = 1 + Math.floor(rng.next() * (i < 10 ? 4 : 30)), bh = 1 + Math.floor(rng.next() * 30);
      for (let y = y0; y < Math.min(w, y0 + bh); y++) for (let x = x0; x < Math.min(w, x0 + bw); x++) img[y * w + x] = Math.floor(rng.next() * 40);
      expectSame({ data: img, width: w, height: w }, `spot ${i}`);
    }
  });
});
