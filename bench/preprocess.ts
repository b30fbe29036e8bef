// Digit preprocessing (preprocessPixels: grayscale, polarity, ink, crop, area resize, centring), the
// part of classify() before the network (issue 21): µs per call, medians of rounds over 40 test
// digits, for a 280×280 RGBA canvas (the demo's pad; dark on white and light on dark) and a 28×28
// grayscale image. `npm run bench:scripts -- preprocess` (pinned to core 0). Beside it, in alternate
// rounds (so a busy core slows both alike), the plain version it replaced (the oracle of
// test/preprocess-oracle.test.ts): `before`. Medians, and the fastest round (least disturbed).
// Then classify() end to end (preprocessing + the shipped model) on the demo's strokes: a 7, a 0 and
// a 1 drawn with its 20 px pen on its 280×280 pad, black on white, anti-aliased (issue 21: ≤ 250 µs).
import { preprocessPixels, type PixelsInput } from '../src/digits/preprocess';
import { loadMnist } from '../src/data/mnist-node';
import { drawOnCanvas, drawStrokes } from '../test/support/draw';
import { refPreprocessPixels } from '../test/support/preprocess-reference';
import { loadDigitClassifier } from '../src/digits-entry';
import { emit, median, progress } from './support';

const DIGITS = 40, ROUNDS = Number(process.env.PREPROCESS_ROUNDS ?? 200);
const { test } = await loadMnist();
const x = test.x as Uint8Array;
const digit = (i: number) => x.subarray(i * 784, (i + 1) * 784);

const dark: PixelsInput[] = [], light: PixelsInput[] = [], small: PixelsInput[] = [];
for (let i = 0; i < DIGITS; i++) {
  const s = 7 + (i % 4), o = 140 - 14 * s + ((i * 7) % 21) - 10; // scale 7…10, centred ± 10 px
  const rgba = drawOnCanvas(digit(i), 280, 280, s, o, o);
  dark.push({ data: rgba, width: 280, height: 280 });
  const inv = Uint8ClampedArray.from(rgba, (v, k) => (k % 4 === 3 ? v : 255 - v));
  light.push({ data: inv, width: 280, height: 280 });
  small.push({ data: digit(i), width: 28, height: 28 });
}

let sink = 0;
function time(name: string, inputs: PixelsInput[]): void {
  const fns = { after: preprocessPixels, before: refPreprocessPixels };
  const perCall = { after: [] as number[], before: [] as number[] };
  for (let r = 0; r < ROUNDS + 10; r++) {
    for (const which of ['after', 'before'] as const) {
      const fn = fns[which];
      const t0 = process.hrtime.bigint();
      for (const p of inputs) sink += fn(p).input[400];
      if (r >= 10) perCall[which].push(Number(process.hrtime.bigint() - t0) / 1000 / inputs.length); // 10 rounds of warm-up
    }
  }
  const us = (xs: number[]) => +median(xs).toFixed(2), min = (xs: number[]) => +Math.min(...xs).toFixed(2);
  const [after, before] = [us(perCall.after), us(perCall.before)];
  progress(`preprocess ${name}: ${after} µs per call (fastest round ${min(perCall.after)}), before ${before} µs (fastest ${min(perCall.before)}): ${(before / after).toFixed(1)}× faster`);
  emit({ bench: 'preprocess', input: name, usPerCall: after, fastestUs: min(perCall.after), beforeUs: before, beforeFastestUs: min(perCall.before), calls: ROUNDS * inputs.length });
}

time('280x280 RGBA dark on white', dark);
time('280x280 RGBA light on dark', light);
time('28x28 gray bytes', small);

// The demo test's strokes (test/browser/demo.browser.test.ts).
const STROKES: Record<string, [number, number][][]> = {
  7: [[[70, 60], [215, 60], [130, 240]]],
  0: [Array.from({ length: 33 }, (_, i): [number, number] => [140 + 62 * Math.sin((i / 32) * 2 * Math.PI), 140 - 95 * Math.cos((i / 32) * 2 * Math.PI)])],
  1: [[[150, 40], [135, 245]]],
};
const clf = await loadDigitClassifier();
for (const [digit, strokes] of Object.entries(STROKES)) {
  const pad = drawStrokes(strokes);
  const times: number[] = [];
  for (let i = 0; i < 300 + ROUNDS * 10; i++) {
    const t0 = process.hrtime.bigint();
    sink += clf.classify(pad).digit;
    if (i >= 300) times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  const said = clf.classify(pad);
  progress(`classify() on the demo pad's ${digit} (20 px pen, 280×280 RGBA): ${median(times).toFixed(0)} µs median (fastest ${Math.min(...times).toFixed(0)}), says ${said.digit} (${(100 * said.confidence).toFixed(1)}%)`);
  emit({ bench: 'classify-canvas', digit: Number(digit), usPerCall: +median(times).toFixed(1), fastestUs: +Math.min(...times).toFixed(1), predicted: said.digit, calls: times.length });
}
if (sink === -1) progress('');
