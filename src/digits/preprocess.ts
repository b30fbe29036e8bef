import { fail } from '../errors';
import { INK_LEVEL, measureRuns, type Ink } from './ink';

/** Pixels of any size: canvas ImageData (RGBA), grayscale bytes, or grayscale floats. */
export interface PixelsInput {
  data: Uint8ClampedArray | Uint8Array | Float32Array | Float64Array | number[];
  width: number;
  height: number;
  /** 4 for RGBA (ImageData), 1 for grayscale. Default: inferred from data.length. */
  channels?: 1 | 4;
}

/**
 * Makes a drawing look like an MNIST digit, as MNIST's own preprocessing did:
 *  1. grayscale in [0, 1] (RGBA: luminance, with transparent pixels as background);
 *  2. polarity: MNIST is light ink on a dark ground; if the border is mostly light, invert;
 *  3. crop to the bounding box of the ink;
 *  4. scale the longer side to 20 px keeping the aspect ratio (area-averaging, so anti-aliased);
 *  5. paste into a 28×28 frame so the centre of mass sits at the centre (14, 14).
 * Returns 784 floats in [0, 1] (all zeros for a blank image).
 */
export function preprocessDigit(input: PixelsInput): Float32Array {
  return preprocessPixels(input, INPUT_NAMES).input;
}

/**
 * preprocessDigit, with messages that name the arguments as the caller (classify) wrote them; with the ink it measured.
 * Fast (issue 21: a 280×280 canvas in well under a millisecond), with the floats of the plain version
 * (test/support/preprocess-reference.ts, the oracle of test/preprocess-oracle.test.ts) to a float32
 * rounding: one pass over runs of equal pixels (a canvas is mostly runs of one colour), which knows
 * the polarity from the border first, computes a gray where a pixel changes and keeps the ink, and
 * the pieces that are not 0, as horizontal runs; the area resize works on those pieces.
 */
export function preprocessPixels(input: PixelsInput, names: PixelsNames = INPUT_NAMES): { input: Float32Array; ink: Ink } {
  const gray = scanPixels(input, names); // checks the input; finds the runs
  const { width: w, height: h } = input;
  const { x0, y0, ...ink } = measureRuns(rowStart, runStart, runEnd, w, h);
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

/** How the caller wrote each part of a PixelsInput, so messages name the argument as it was given. */
export interface PixelsNames {
  fn: string;
  data: string;
  width: string;
  height: string;
  channels: string;
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

const BYTE = 1 / 255;
/** Gray of a byte, as the plain version had it: byte / 255 in float32; and inverted, 1 − that in float32. */
const BYTE_GRAY = Float32Array.from({ length: 256 }, (_, v) => v * BYTE);
const BYTE_GRAY_INVERTED = BYTE_GRAY.map((g) => 1 - g);

/** Gray of RGBA bytes at j: luminance, composed over white by alpha, float32, clamped to [0, 1]. */
function rgbaGray(d: Uint8Array | Uint8ClampedArray, j: number): number {
  const lum = (0.299 * d[j] + 0.587 * d[j + 1] + 0.114 * d[j + 2]) * BYTE;
  const alpha = d[j + 3] * BYTE;
  const v = Math.fround(lum * alpha + (1 - alpha));
  return v > 0 ? (v < 1 ? v : 1) : 0; // Math.min(1, Math.max(0, v)), −0 included
}

/**
 * Opaque gray pixels (r = g = b, alpha 255: a black or gray pen, anti-aliased) by table: OPAQUE_GRAY[v]
 * is the pixel [v, v, v, 255] as an int32 (in the platform's byte order), OPAQUE_GRAY_LEVEL[v] its
 * gray (rgbaGray), OPAQUE_GRAY_INVERTED[v] 1 − that in float32.
 */
const OPAQUE_GRAY = new Int32Array(new Uint8Array(1024).map((_, k) => (k % 4 === 3 ? 255 : k >> 2)).buffer);
const OPAQUE_GRAY_LEVEL = Float32Array.from({ length: 256 }, (_, v) => rgbaGray(new Uint8Array(OPAQUE_GRAY.buffer), 4 * v));
const OPAQUE_GRAY_INVERTED = OPAQUE_GRAY_LEVEL.map((g) => 1 - g);

/** The gray of bytes goes here, reused (preprocessing runs synchronously) up to this many pixels. */
let grayScratch = new Float32Array(0);
const GRAY_SCRATCH_LIMIT = 1 << 20;

/**
 * Checks the input and finds its runs (scanRuns) in the gray of the plain version after toGray and
 * invertIfLightBackground (light ink); returns that gray (of RGBA: only the rows marked dense).
 * RGBA bytes in one pass, the border read first; gray bytes through a table; floats and number[]
 * the plain way (with its checks that every pixel is finite).
 */
function scanPixels(input: PixelsInput, names: PixelsNames): Float32Array {
  if (input === null || typeof input !== 'object') {
    fail('ARGUMENT', `${names.fn}: ${names.data.split('.')[0]} is ${typeName(input)}; give { data, width, height } (and channels 1 or 4)`);
  }
  const channels = checkPixels(input, names);
  const { data, width: w, height: h } = input;
  const n = w * h;
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) {
    let gray: Float32Array;
    if (n > GRAY_SCRATCH_LIMIT) gray = new Float32Array(n);
    else {
      if (grayScratch.length < n) grayScratch = new Float32Array(Math.max(n, 784));
      gray = grayScratch;
    }
    if (channels === 4) {
      const invert = lightBorder(w, h, (i) => rgbaGray(data, 4 * i));
      const bytes = data.byteOffset % 4 === 0 ? data : data.slice();
      scanRuns(new Int32Array(bytes.buffer, bytes.byteOffset, n), bytes, invert, gray, w, h);
      return gray;
    }
    const table = lightBorder(w, h, (i) => BYTE_GRAY[data[i]]) ? BYTE_GRAY_INVERTED : BYTE_GRAY;
    for (let i = 0; i < n; i++) gray[i] = table[data[i]];
    scanGray(gray, w, h);
    return gray;
  }
  const gray = toGray(data, channels, w, h, names);
  invertIfLightBackground(gray, w, h);
  scanGray(gray, w, h);
  return gray;
}

/**
 * One pass over runs of equal pixels (a canvas is mostly runs of one colour), found with integer
 * compares of `pixels`, 32 bits a pixel: each row's runs of ink (gray > INK_LEVEL), merged, and its
 * pieces of one gray above 0. With `bytes` (RGBA; `pixels` the same memory), a gray is computed
 * where the pixel changes (inverted or not), and written into `gray` only for a row of short pieces
 * (smooth shading, not flat strokes: dense, read pixel by pixel by the resize); without, `pixels`
 * are `gray`'s own bits (equal floats, equal bits: no −0 or NaN gets here) and the gray is read.
 */
function scanRuns(pixels: Int32Array, bytes: Uint8Array | Uint8ClampedArray | null, invert: boolean, gray: Float32Array, w: number, h: number): void {
  const opaque = invert ? OPAQUE_GRAY_INVERTED : OPAQUE_GRAY_LEVEL;
  if (rowStart.length < h + 1) { rowStart = new Int32Array(h + 1); pieceRow = new Int32Array(h + 1); denseRow = new Uint8Array(h); }
  let ink = 0, pieces = 0; // so far
  for (let y = 0; y < h; y++) {
    rowStart[y] = ink;
    pieceRow[y] = pieces;
    const row = y * w, end = row + w;
    let inInk = false, lit = 0;
    for (let i = row; i < end;) {
      const p = pixels[i]; // int32 (not uint32) keeps the comparisons in integers
      let e = i + 1;
      // Four at a time first: V8 runs this about 2.5× faster than the plain loop alone.
      while (e + 4 <= end && pixels[e] === p && pixels[e + 1] === p && pixels[e + 2] === p && pixels[e + 3] === p) e += 4;
      while (e < end && pixels[e] === p) e++;
      let g: number;
      if (bytes === null) g = gray[i];
      else {
        const v = bytes[4 * i];
        if (p === OPAQUE_GRAY[v]) g = opaque[v];
        else {
          g = rgbaGray(bytes, 4 * i);
          if (invert) g = Math.fround(1 - g);
        }
      }
      if (g > INK_LEVEL) {
        if (!inInk) {
          if (ink === runStart.length) [runStart, runEnd] = grown(runStart, runEnd);
          runStart[ink] = i - row;
          inInk = true;
        }
        runEnd[ink] = e - row;
      } else if (inInk) { ink++; inInk = false; }
      if (g > 0) {
        if (pieces === pieceStart.length) growPieces();
        pieceStart[pieces] = i - row;
        pieceEnd[pieces] = e - row;
        pieceGray[pieces++] = g;
        lit += e - i;
      }
      i = e;
    }
    if (inInk) ink++;
    // Dense: pieces 3 pixels long or less on average (a piece costs the resize about what 3 pixels do).
    const first = pieceRow[y], dense = 3 * (pieces - first) >= lit && lit > 0;
    denseRow[y] = dense ? 1 : 0;
    if (dense && bytes !== null) {
      let x = pieceStart[first];
      for (let k = first; k < pieces; k++) {
        for (; x < pieceStart[k]; x++) gray[row + x] = 0;
        const g = pieceGray[k];
        for (; x < pieceEnd[k]; x++) gray[row + x] = g;
      }
    }
  }
  rowStart[h] = ink;
  pieceRow[h] = pieces;
}

/** scanRuns over gray floats. */
function scanGray(gray: Float32Array, w: number, h: number): void {
  scanRuns(new Int32Array(gray.buffer, gray.byteOffset, w * h), null, false, gray, w, h);
}

/** The border's mean gray above ½ (a light background: the ink is dark), summed as the plain version did. */
function lightBorder(w: number, h: number, gray: (i: number) => number): boolean {
  let sum = 0, n = 0;
  for (let x = 0; x < w; x++) { sum += gray(x) + gray((h - 1) * w + x); n += 2; }
  for (let y = 0; y < h; y++) { sum += gray(y * w) + gray(y * w + w - 1); n += 2; }
  return sum / n > 0.5;
}

// Scratch reused from call to call (preprocessing runs synchronously), grown as needed, runs of
// each row left to right: the ink (gray > INK_LEVEL), maximal (row y's runs are rowStart[y] …
// rowStart[y + 1] − 1, pixels [runStart, runEnd)), and the pieces of one gray above 0 (pieceRow,
// pieceStart, pieceEnd, pieceGray), all the area resize reads; denseRow[y]: 1 if the gray of row y
// from its first piece to its last is in the gray image (of RGBA, only those rows are).
let denseRow = new Uint8Array(0);
let rowStart = new Int32Array(1), runStart = new Int32Array(64), runEnd = new Int32Array(64);
let pieceRow = new Int32Array(1), pieceStart = new Int32Array(256), pieceEnd = new Int32Array(256), pieceGray = new Float32Array(256);

function growPieces(): void {
  [pieceStart, pieceEnd] = grown(pieceStart, pieceEnd);
  const g = new Float32Array(pieceGray.length * 2);
  g.set(pieceGray);
  pieceGray = g;
}

/** Twice the room, the runs kept. */
function grown(starts: Int32Array, ends: Int32Array): [Int32Array<ArrayBuffer>, Int32Array<ArrayBuffer>] {
  const s = new Int32Array(starts.length * 2), e = new Int32Array(ends.length * 2);
  s.set(starts); e.set(ends);
  return [s, e];
}

/** The plain grayscale conversion, for data other than bytes: floats, or number[] (bytes or [0, 1]). */
function toGray(data: PixelsInput['data'], channels: 1 | 4, w: number, h: number, names: PixelsNames): Float32Array {
  const isFloat = data instanceof Float32Array || data instanceof Float64Array || (Array.isArray(data) && data.every((v) => v <= 1));
  const scale = isFloat ? 1 : 1 / 255;
  const gray = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    if (channels === 1) {
      gray[i] = data[i] * scale;
    } else {
      const r = data[4 * i], g = data[4 * i + 1], b = data[4 * i + 2], a = data[4 * i + 3];
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
  if (lightBorder(w, h, (i) => gray[i])) for (let i = 0; i < gray.length; i++) gray[i] = 1 - gray[i];
}

/**
 * Area-averaging resize of the box (x0, y0, bw, bh) to sw × sh from the pieces scanRuns found: each
 * target pixel averages the source area it covers, as the plain version does, in two passes: each
 * source row to sw sums of its columns' weights × gray (a piece adds its gray × the sum of its
 * columns' weights in each target column it meets), then each target pixel sums its rows' weights ×
 * those. The same area, summed otherwise: the floats agree with the plain version's to a float32
 * rounding. Where sh × (bh / sh) rounds above bh, a target pixel's area reaches about 1e-15 past the
 * box: only the box counts (reading past it once gave NaN, so a blank output, for ink on the
 * picture's last row).
 */
function resizeArea(gray: Float32Array, w: number, x0: number, y0: number, bw: number, bh: number, sw: number, sh: number): Float32Array {
  const out = new Float32Array(sw * sh);
  const fx = bw / sw, fy = bh / sh;
  // The columns each target column covers, [colStart, colEnd), their weights and the running sums of
  // those (from colSums[tx]: weights w0, w1, …, sums 0, w0, w0 + w1, …), the same for every row.
  if (colStart.length < sw) { colStart = new Int32Array(sw); colEnd = new Int32Array(sw); colSums = new Int32Array(sw); }
  if (weightSums.length < bw + 3 * sw) { weightSums = new Float64Array(bw + 3 * sw); weights = new Float64Array(bw + 3 * sw); }
  for (let tx = 0, k = 0; tx < sw; tx++) {
    const sx0 = tx * fx, sx1 = sx0 + fx;
    colStart[tx] = Math.floor(sx0); colEnd[tx] = Math.ceil(sx1); colSums[tx] = k;
    let sum = 0;
    for (let x = colStart[tx]; x < colEnd[tx]; x++) {
      weightSums[k] = sum;
      sum += weights[k++] = Math.min(sx1, x + 1) - Math.max(sx0, x);
    }
    weightSums[k++] = sum;
  }
  // Pass 1: each row of the box to sw column sums.
  if (rowSums.length < bh * sw) rowSums = new Float64Array(bh * sw);
  const sums = rowSums;
  sums.fill(0, 0, bh * sw);
  for (let y = 0; y < bh; y++) {
    const at = y * sw, p0 = pieceRow[y0 + y], p1 = pieceRow[y0 + y + 1];
    if (p0 === p1) continue;
    if (denseRow[y0 + y]) { // pixel by pixel from its first piece to its last
      const row = (y0 + y) * w + x0, first = pieceStart[p0] - x0, last = Math.min(pieceEnd[p1 - 1] - x0, bw);
      for (let t = 0; t < sw; t++) {
        const xe = Math.min(colEnd[t], last), base = colSums[t] - colStart[t];
        let acc = 0;
        for (let x = Math.max(colStart[t], first); x < xe; x++) acc += weights[base + x] * gray[row + x];
        sums[at + t] = acc;
      }
      continue;
    }
    let tx = 0; // the first target column that may reach the piece: pieces go left to right
    for (let k = p0; k < p1; k++) {
      const s = Math.max(pieceStart[k] - x0, 0), e = Math.min(pieceEnd[k] - x0, bw); // in the box
      if (s >= e) continue;
      const g = pieceGray[k];
      while (tx < sw - 1 && colEnd[tx] <= s) tx++;
      for (let t = tx; t < sw && colStart[t] < e; t++) {
        const base = colSums[t] - colStart[t];
        sums[at + t] += g * (weightSums[base + Math.min(colEnd[t], e)] - weightSums[base + Math.max(colStart[t], s)]);
      }
    }
  }
  // Pass 2: each target pixel from its rows' sums.
  for (let ty = 0; ty < sh; ty++) {
    const sy0 = ty * fy, sy1 = sy0 + fy;
    const ya = Math.floor(sy0), yb = Math.min(Math.ceil(sy1), bh); // past the box: not counted
    for (let tx = 0; tx < sw; tx++) {
      let acc = 0;
      for (let y = ya; y < yb; y++) acc += (Math.min(sy1, y + 1) - Math.max(sy0, y)) * sums[y * sw + tx];
      out[ty * sw + tx] = acc / (fx * fy);
    }
  }
  return out;
}

let weights = new Float64Array(64), weightSums = new Float64Array(64), rowSums = new Float64Array(0);
let colStart = new Int32Array(0), colEnd = new Int32Array(0), colSums = new Int32Array(0);
