// "No digit" (issue 21): a blank, nearly blank or noise picture is no digit, whatever the network
// says; real digits, thin or small, still are. The rules are noDigitReason (src/digits/ink.ts).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDigitClassifier } from '../src/digits-entry';
import type { DigitClassifier } from '../src/digits/classifier';
import { preprocessPixels } from '../src/digits/preprocess';
import { noDigitReason } from '../src/digits/ink';
import { loadMnist, type Mnist } from '../src/data/mnist-node';
import { Rng } from '../src/rng';
import { drawOnCanvas } from './support/draw';
import { encodePng } from './support/hostile-files';

const W = 280; // the demo's drawing pad
type Pt = [number, number];

/** A W×W page of grayscale bytes, white (255) unless `ink(x, y)` (0…255, 0 black) says otherwise. */
const page = (ink: (x: number, y: number) => number) => Uint8Array.from({ length: W * W }, (_, i) => ink(i % W, Math.floor(i / W)));

/** Strokes drawn on a white page with a round pen `pen` px wide, black, anti-aliased. A stroke of one point is a dot. */
function drawStrokes(strokes: Pt[][], pen: number): Uint8Array {
  const segments = strokes.flatMap((s) => (s.length === 1 ? [[s[0], s[0]]] : s.slice(1).map((p, i) => [s[i], p])));
  return page((x, y) => {
    const cx = x + 0.5, cy = y + 0.5;
    let d = Infinity;
    for (const [[ax, ay], [bx, by]] of segments) {
      const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((cx - ax) * dx + (cy - ay) * dy) / len2));
      d = Math.min(d, Math.hypot(cx - ax - t * dx, cy - ay - t * dy));
    }
    return Math.round(255 * (1 - Math.max(0, Math.min(1, pen / 2 + 0.5 - d))));
  });
}

describe('no digit: blank, nearly blank and noise pictures', () => {
  let clf: DigitClassifier;
  beforeAll(async () => {
    clf = await loadDigitClassifier();
  });

  const rng = new Rng(21);
  const noise = (density: number, on: number, background: number) => page(() => (rng.next() < density ? on : background));
  const cases: [string, Uint8Array, 'blank' | 'sparse' | 'noise'][] = [
    ['a white page', page(() => 255), 'blank'],
    ['one black pixel', page((x, y) => (x === 140 && y === 140 ? 0 : 255)), 'sparse'],
    ['a 3×3 speck', page((x, y) => (Math.abs(x - 60) <= 1 && Math.abs(y - 200) <= 1 ? 0 : 255)), 'sparse'],
    ['a few stray pixels', page((x, y) => ([[20, 30], [200, 45], [90, 250], [260, 260], [150, 120], [40, 180]].some(([a, b]) => a === x && b === y) ? 0 : 255)), 'sparse'],
    ['a dot of the demo pen (20 px)', drawStrokes([[[140, 140]]], 20), 'sparse'],
    ['a dot of a 30 px pen', drawStrokes([[[100, 160]]], 30), 'sparse'],
    ['uniform noise', page(() => Math.floor(rng.next() * 256)), 'noise'],
    ['salt-and-pepper, 1% black on white', noise(0.01, 0, 255), 'noise'],
    ['salt-and-pepper, 5% black on white', noise(0.05, 0, 255), 'noise'],
    ['salt-and-pepper, 30% black on white', noise(0.3, 0, 255), 'noise'],
    ['salt-and-pepper, 50% black on white', noise(0.5, 0, 255), 'noise'],
    ['salt-and-pepper, 10% white on black', noise(0.1, 255, 0), 'noise'],
    ['salt and pepper on gray', page(() => { const r = rng.next(); return r < 0.05 ? 0 : r < 0.1 ? 255 : 128; }), 'noise'],
    ['a filled disc (a 60 px pen)', drawStrokes([[[140, 140]]], 60), 'noise'],
    ['a filled rectangle', page((x, y) => (x >= 60 && x < 220 && y >= 90 && y < 190 ? 0 : 255)), 'noise'],
    ['a filled square, light on dark', page((x, y) => (x >= 100 && x < 180 && y >= 100 && y < 180 ? 255 : 0)), 'noise'],
    ['a dark-to-light gradient, left to right', page((x) => Math.round((255 * x) / (W - 1))), 'noise'],
    ['a light-to-dark gradient, top to bottom', page((_, y) => Math.round(255 - (255 * y) / (W - 1))), 'noise'],
    ['a diagonal gradient', page((x, y) => Math.round((255 * (x + y)) / (2 * W - 2))), 'noise'],
  ];

  it.each(cases.map(([name, pixels, reason]) => ({ name, pixels, reason })))('$name: $reason', ({ pixels, reason }) => {
    const p = clf.classify(pixels, { width: W, height: W });
    expect(p).toMatchObject({ confident: false, blank: reason !== 'noise', reason });
    expect(p.probabilities).toHaveLength(10); // the network's answer is still there, for who wants it
  });

  it('the same rules in RGBA ImageData, as a canvas gives it', () => {
    const gray = drawStrokes([[[140, 140]]], 20);
    const rgba = new Uint8ClampedArray(W * W * 4);
    gray.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
    expect(clf.classify({ data: rgba, width: W, height: W }).reason).toBe('sparse');
    expect(clf.classify({ data: new Uint8ClampedArray(W * W * 4), width: W, height: W }).reason).toBe('blank'); // never drawn on: transparent
  });
});

describe('real digits are still digits', () => {
  let clf: DigitClassifier;
  let mnist: Mnist;
  beforeAll(async () => {
    clf = await loadDigitClassifier();
    mnist = await loadMnist();
  });

  // The demo's strokes (test/browser/demo.browser.test.ts) with thinner pens than its 20 px. A 1 px
  // line is faint once scaled to 20 px (about 0.1 of full ink), but ink all the same: never blank,
  // sparse or noise (the CNN shipped until issue 21 named it unsure; the lean model is sure).
  it.each([1, 2, 3, 6, 20])('a "1" drawn with a %i px pen on a 280×280 canvas', (pen) => {
    const p = clf.classify(drawStrokes([[[150, 40], [135, 245]]], pen), { width: W, height: W });
    expect(p).toMatchObject({ digit: 1, blank: false });
    expect(p.reason).toBe(p.confident ? undefined : 'low-confidence');
    if (pen > 1) expect(p.confident).toBe(true);
  });

  const zero = Array.from({ length: 33 }, (_, i): Pt => [140 + 62 * Math.sin((i / 32) * 2 * Math.PI), 140 - 95 * Math.cos((i / 32) * 2 * Math.PI)]);
  it.each([[7, 2], [7, 20], [0, 2], [0, 20]])('a %i drawn with a %i px pen', (digit, pen) => {
    const strokes: Pt[] = digit === 7 ? [[70, 60], [215, 60], [130, 240]] : zero;
    expect(clf.classify(drawStrokes([strokes], pen), { width: W, height: W })).toMatchObject({ digit, confident: true, blank: false });
  });

  it.each([0.8, 1, 1.5])('MNIST test digits re-drawn small (×%f, 16 to 30 px tall) on a 280×280 canvas: none is called no digit', (scale) => {
    let right = 0;
    const n = 40;
    for (let i = 0; i < n; i++) {
      const digit = (mnist.test.x as Uint8Array).subarray(i * 784, (i + 1) * 784);
      const p = clf.classify({ data: drawOnCanvas(digit, W, W, scale, 20 + (i % 7) * 30, 10 + (i % 5) * 40), width: W, height: W });
      expect(p.reason === undefined || p.reason === 'low-confidence', `test image ${i}: ${p.reason}`).toBe(true);
      if (p.digit === mnist.test.y[i]) right++;
    }
    expect(right / n).toBeGreaterThanOrEqual(0.9);
  });

  // Measured when the rules were set: 0 of the 10,000 (and 0 of the validation, 2 of the 50,000 training digits).
  it('the ink rules alone call at most 0.1% of the 10,000 MNIST test digits no digit', () => {
    const x = mnist.test.x as Uint8Array;
    const rejected: number[] = [];
    for (let i = 0; i < mnist.test.count; i++) {
      const { ink } = preprocessPixels({ data: x.subarray(i * 784, (i + 1) * 784), width: 28, height: 28 });
      if (noDigitReason(ink) !== undefined) rejected.push(i);
    }
    expect(mnist.test.count).toBe(10_000);
    expect(rejected.length, `rejected: ${rejected.join(', ')}`).toBeLessThanOrEqual(10);
  });
});

describe('simdnet predict says "no digit found" and why', () => {
  const BIN = fileURLToPath(new URL('../bin/simdnet.js', import.meta.url));
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  const dir = mkdtempSync(join(tmpdir(), 'simdnet-no-digit-'));
  const png = (name: string, pixels: Uint8Array) => {
    writeFileSync(join(dir, name), encodePng({ width: W, height: W, colorType: 0, depth: 8, sample: (x, y) => [pixels[y * W + x]] }));
    return join(dir, name);
  };

  it.each([
    ['dot.png', drawStrokes([[[140, 140]]], 20), 'sparse', 'the image is nearly blank: a speck, a dot or a few stray pixels'],
    ['rectangle.png', page((x, y) => (x >= 60 && x < 220 && y >= 90 && y < 190 ? 0 : 255)), 'noise', 'noise or a filled area, not pen strokes'],
  ] as const)('%s: text and JSON', (name, pixels, reason, message) => {
    const file = png(name, pixels);
    const text = run('predict', '--pretrained', file);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toBe(`${file}: no digit found (${message})\n`);
    const json = JSON.parse(run('predict', '--pretrained', '--json', file).stdout);
    expect(json).toMatchObject({ class: null, confident: false, blank: reason === 'sparse', reason });
  });

  it('a thin "1" is a 1 (reason null in JSON)', () => {
    const json = JSON.parse(run('predict', '--pretrained', '--json', png('one.png', drawStrokes([[[150, 40], [135, 245]]], 2))).stdout);
    expect(json).toMatchObject({ class: 1, confident: true, blank: false, reason: null });
  });
});
