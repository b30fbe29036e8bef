// Digit preprocessing (preprocessPixels: grayscale, polarity, ink, crop, area resize, centring), the
// part of classify() before the network (issue 21): µs per call, medians of rounds over 40 test
// digits, for a 280×280 RGBA canvas (the demo's pad; dark on white and light on dark) and a 28×28
// grayscale image. `npm run bench:scripts -- preprocess` (pinned to core 0). Beside it, in alternate
// rounds (so a busy core slows both alike), the plain version it replaced (the oracle of
// test/preprocess-oracle.test.ts): `before`. Medians, and the fastest round (least disturbed).
import { preprocessPixels, type PixelsInput } from '../src/digits/preprocess';
import { loadMnist } from '../src/data/mnist-node';
import { drawOnCanvas } from '../test/support/draw';
import { refPreprocessPixels } from '../test/support/preprocess-reference';
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
if (sink === -1) progress('');
