// The oracle of test/preprocess-oracle.test.ts (same ink, floats to a float32 rounding): preprocessPixels and measureInk exactly as
// they were before the fast rewrite (src/digits/preprocess.ts and ink.ts at 2550443), kept verbatim
// (names prefixed ref, exports trimmed). Do not "fix" or speed up this copy: it defines the output.
import { fail } from '../../src/errors';
import { INK_LEVEL, type Ink } from '../../src/digits/ink';
import type { PixelsInput, PixelsNames } from '../../src/digits/preprocess';

export function refPreprocessPixels(input: PixelsInput, names: PixelsNames = INPUT_NAMES): { input: Float32Array; ink: Ink } {
  const gray = toGray(input, names);
  const { width: w, height: h } = input;
  invertIfLightBackground(gray, w, h);

  // Ink: anything clearly above the background (INK_LEVEL); its box is what is cropped.
  const { x0, y0, ...ink } = refMeasureInk(gray, w, h);
  const out = new Float32Array(784);
  if (ink.pixels === 0) return { input: out, ink };
  const bw = ink.boxWidth, bh = ink.boxHeight;
  const scale = 20 / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * scale)), sh = Math.max(1, Math.round(bh * scale));
  const small = resizeArea(gray, w, x0, y0, bw, bh, sw, sh);

  // Centre of mass of the scaled digit → shift so it lands on (14, 14).
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) {
    const v = small[y * sw + x];
    mass += v; mx += v * (x + 0.5); my += v * (y + 0.5);
  }
  const ox = Math.round(14 - mx / mass), oy = Math.round(14 - my / mass);
  for (let y = 0; y < sh; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= 28) continue;
    for (let x = 0; x < sw; x++) {
      const tx = x + ox;
      if (tx >= 0 && tx < 28) out[ty * 28 + tx] = small[y * sw + x];
    }
  }
  return { input: out, ink };
}


const INPUT_NAMES: PixelsNames = { fn: 'preprocessDigit', data: 'input.data', width: 'input.width', height: 'input.height', channels: 'input.channels' };

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : ArrayBuffer.isView(v) ? `a ${v.constructor.name}` : typeof v);

/**
 * Checks the shape of a PixelsInput before any pixel is read (ARGUMENT errors that name the
 * argument); returns the number of channels, given or inferred from data.length.
 */
function checkPixels(input: PixelsInput, names: PixelsNames = INPUT_NAMES): 1 | 4 {
  const { fn } = names;
  const data: unknown = input.data;
  if (!Array.isArray(data) && !(ArrayBuffer.isView(data) && !(data instanceof DataView))) {
    fail('ARGUMENT', `${fn}: ${names.data} is ${typeName(data)}; give a Uint8ClampedArray, Uint8Array, Float32Array, Float64Array or number[] of pixels`);
  }
  const { width: w, height: h } = input;
  for (const [v, name] of [[w, names.width], [h, names.height]] as const) {
    if (!(Number.isInteger(v) && v > 0)) fail('ARGUMENT', `${fn}: ${name} must be a positive integer, got ${typeof v === 'number' ? v : typeName(v)}`);
  }
  const n = input.data.length;
  if (input.channels !== undefined && input.channels !== 1 && input.channels !== 4) {
    fail('ARGUMENT', `${fn}: ${names.channels} must be 1 (grayscale) or 4 (RGBA), got ${String(input.channels)}${input.channels === 3 ? '; RGB without alpha is not read: add an alpha channel of 255' : ''}`);
  }
  const channels = input.channels ?? (n === w * h * 4 ? 4 : 1);
  if (n !== w * h * channels) {
    const hint = input.channels === undefined ? ` (grayscale needs ${w * h}, RGBA ${w * h * 4})` : '';
    fail('ARGUMENT', `${fn}: ${w}×${h} with ${channels} channel(s) needs ${w * h * channels} values, got ${n} in ${names.data}${hint}`);
  }
  return channels;
}

function toGray(input: PixelsInput, names: PixelsNames): Float32Array {
  if (input === null || typeof input !== 'object') {
    fail('ARGUMENT', `${names.fn}: ${names.data.split('.')[0]} is ${typeName(input)}; give { data, width, height } (and channels 1 or 4)`);
  }
  const channels = checkPixels(input, names);
  const { data, width: w, height: h } = input;
  const isFloat = data instanceof Float32Array || data instanceof Float64Array || (Array.isArray(data) && data.every((v) => v <= 1));
  const scale = isFloat ? 1 : 1 / 255;
  const gray = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    if (channels === 1) {
      gray[i] = data[i] * scale;
    } else {
      const [r, g, b, a] = [data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3]];
      const lum = (0.299 * r + 0.587 * g + 0.114 * b) * scale;
      // Transparent pixels (a canvas never drawn on) count as background, whatever the polarity;
      // compose over white, the usual page colour, so dark ink on a transparent canvas works.
      const alpha = a * scale;
      gray[i] = lum * alpha + (1 - alpha);
    }
    if (!Number.isFinite(gray[i])) {
      let at = channels * i;
      while (at < channels * i + channels - 1 && Number.isFinite(data[at])) at++;
      fail('ARGUMENT', `${names.fn}: ${names.data}[${at}] (pixel ${i}) is ${data[at]}; pixels must be finite numbers`);
    }
    gray[i] = Math.min(1, Math.max(0, gray[i]));
  }
  return gray;
}

/** Light background (mean of the border above ½) → invert, so the ink is light as in MNIST. */
function invertIfLightBackground(gray: Float32Array, w: number, h: number): void {
  let sum = 0, n = 0;
  for (let x = 0; x < w; x++) { sum += gray[x] + gray[(h - 1) * w + x]; n += 2; }
  for (let y = 0; y < h; y++) { sum += gray[y * w] + gray[y * w + w - 1]; n += 2; }
  if (sum / n > 0.5) for (let i = 0; i < gray.length; i++) gray[i] = 1 - gray[i];
}

/** Area-averaging resize of the box (x0, y0, bw, bh) to sw × sh: each target pixel averages the source area it covers. */
function resizeArea(src: Float32Array, w: number, x0: number, y0: number, bw: number, bh: number, sw: number, sh: number): Float32Array {
  const out = new Float32Array(sw * sh);
  const fx = bw / sw, fy = bh / sh;
  for (let ty = 0; ty < sh; ty++) {
    const sy0 = ty * fy, sy1 = sy0 + fy;
    for (let tx = 0; tx < sw; tx++) {
      const sx0 = tx * fx, sx1 = sx0 + fx;
      let acc = 0;
      // Rounding can make a target pixel's area reach just past the box (a weight of ~1e-15): only
      // the box counts (past the picture's last row the read used to be undefined: NaN, a blank output).
      for (let y = Math.floor(sy0); y < Math.min(Math.ceil(sy1), bh); y++) {
        const wy = Math.min(sy1, y + 1) - Math.max(sy0, y);
        for (let x = Math.floor(sx0); x < Math.min(Math.ceil(sx1), bw); x++) {
          const wx = Math.min(sx1, x + 1) - Math.max(sx0, x);
          acc += wx * wy * src[(y0 + y) * w + x0 + x];
        }
      }
      out[ty * sw + tx] = acc / (fx * fy);
    }
  }
  return out;
}
/** Measures the ink of `gray` (w × h, ink light, as preprocessing has it after polarity). */
export function refMeasureInk(gray: Float32Array, w: number, h: number): Ink & { x0: number; y0: number } {
  let x0 = w, y0 = h, x1 = -1, y1 = -1, pixels = 0, runs = 0, rows = 0;
  const column = new Uint8Array(w); // the column holds ink
  for (let y = 0; y < h; y++) {
    let inRow = false;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!(gray[i] > INK_LEVEL)) continue;
      pixels++;
      column[x] = 1;
      inRow = true;
      if (x === 0 || !(gray[i - 1] > INK_LEVEL)) runs++; // a run starts in this row
      if (y === 0 || !(gray[i - w] > INK_LEVEL)) runs++; // and in this column
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (inRow) rows++;
  }
  if (pixels === 0) return { width: w, height: h, pixels, boxWidth: 0, boxHeight: 0, largest: 0, runs: 0, x0: 0, y0: 0 };
  let columns = 0;
  for (let x = 0; x < w; x++) columns += column[x];
  const boxWidth = x1 - x0 + 1, boxHeight = y1 - y0 + 1;
  const largest = largestPiece(gray, w, x0, y0, boxWidth, boxHeight, pixels);
  return { width: w, height: h, pixels, boxWidth, boxHeight, largest, runs: runs / (rows + columns), x0, y0 };
}

/** The size of the largest 8-connected piece of ink in the box (bw × bh at x0, y0) of `gray`. */
function largestPiece(gray: Float32Array, w: number, x0: number, y0: number, bw: number, bh: number, pixels: number): number {
  const seen = new Uint8Array(bw * bh);
  const queue = new Int32Array(pixels);
  let largest = 0, left = pixels;
  for (let start = 0; start < bw * bh && largest < left; start++) {
    if (seen[start] || !(gray[(y0 + Math.floor(start / bw)) * w + x0 + (start % bw)] > INK_LEVEL)) continue;
    let head = 0, tail = 0;
    queue[tail++] = start;
    seen[start] = 1;
    while (head < tail) {
      const p = queue[head++], px = p % bw, py = (p - px) / bw;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= bh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx, q = ny * bw + nx;
          if (nx < 0 || nx >= bw || seen[q] || !(gray[(y0 + ny) * w + x0 + nx] > INK_LEVEL)) continue;
          seen[q] = 1;
          queue[tail++] = q;
        }
      }
    }
    largest = Math.max(largest, tail);
    left -= tail;
  }
  return largest;
}
