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
 * Fast (issue 21: a 280×280 canvas in well under a millisecond) with the same floats, bit for bit, as
 * the plain version (test/support/preprocess-reference.ts, the oracle of test/preprocess-oracle.test.ts):
 * RGBA is turned to gray only where a pixel differs from the one before it (a canvas is mostly
 * runs of one colour) and gray bytes through a table, in one pass that knows the polarity from the
 * border first; the ink is kept as horizontal runs; the area resize adds the same products in the
 * same order but skips the zeros at either end of each row (adding 0 changes nothing).
 */
export function preprocessPixels(input: PixelsInput, names: PixelsNames = INPUT_NAMES): { input: Float32Array; ink: Ink } {
  const gray = grayPixels(input, names); // checks the input; scans the ink
  const { width: w, height: h } = input;
  const { x0, y0, ...ink } = measureRuns(rowStart, runStart, runEnd, w, h);
  const out = new Float32Array(784);
  if (ink.pixels === 0) return { input: out, ink };
  const bw = ink.boxWidth, bh = ink.boxHeight;
  const scale = 20 / Math.max(bw, bh);
  const sw = Math.max(1, Math.round(bw * scale)), sh = Math.max(1, Math.round(bh * scale));
  const small = resizeArea(gray, w, h, x0, y0, bw, bh, sw, sh);

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
 * The picture as gray in [0, 1], light ink (polarity applied), as the plain version had it after
 * toGray and invertIfLightBackground, with its ink scanned (scan(): runs, lit ends of each row).
 * Bytes in one pass, the border read first; floats and number[] the plain way (with its checks that
 * every pixel is finite).
 */
function grayPixels(input: PixelsInput, names: PixelsNames): Float32Array {
  if (input === null || typeof input !== 'object') {
    fail('ARGUMENT', `${names.fn}: ${names.data.split('.')[0]} is ${typeName(input)}; give { data, width, height } (and channels 1 or 4)`);
  }
  const channels = checkPixels(input, names);
  const { data, width: w, height: h } = input;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) {
    const gray = toGray(data, channels, w, h, names);
    invertIfLightBackground(gray, w, h);
    scan(gray, w, h);
    return gray;
  }
  const n = w * h;
  let gray: Float32Array;
  if (n > GRAY_SCRATCH_LIMIT) gray = new Float32Array(n);
  else {
    if (grayScratch.length < n) grayScratch = new Float32Array(Math.max(n, 784));
    gray = grayScratch;
  }
  if (channels === 1) {
    const table = lightBorder(w, h, (i) => BYTE_GRAY[data[i]]) ? BYTE_GRAY_INVERTED : BYTE_GRAY;
    for (let i = 0; i < n; i++) gray[i] = table[data[i]];
    scan(gray, w, h);
    return gray;
  }
  const invert = lightBorder(w, h, (i) => rgbaGray(data, 4 * i));
  const bytes = data.byteOffset % 4 === 0 ? data : data.slice();
  scanRgba(bytes, new Int32Array(bytes.buffer, bytes.byteOffset, n), invert, gray, w, h); // both in one pass
  return gray;
}

/**
 * RGBA bytes (`pixels`: the same, 32 bits a pixel) to gray, inverted or not, and scan()'s ink runs,
 * in one pass over runs of equal pixels (a canvas is mostly runs of one colour): a pixel's gray is
 * computed where the pixel changes, a run is found with integer compares and filled at once. Runs of
 * equal pixels are runs of equal gray, maybe split finer than scan() splits them; the ink runs
 * (consecutive pixels above INK_LEVEL, merged) and the lit ends of each row come out the same.
 */
function scanRgba(bytes: Uint8Array | Uint8ClampedArray, pixels: Int32Array, invert: boolean, gray: Float32Array, w: number, h: number): void {
  const opaque = invert ? OPAQUE_GRAY_INVERTED : OPAQUE_GRAY_LEVEL;
  prepareScan(h);
  let n = 0;
  for (let y = 0; y < h; y++) {
    rowStart[y] = n;
    const row = y * w, end = row + w;
    let first = -1, last = -1, open = false;
    for (let i = row; i < end;) {
      const p = pixels[i]; // int32 (not uint32) keeps the comparisons in integers
      let e = i + 1;
      while (e < end && pixels[e] === p) e++;
      const v = bytes[4 * i];
      let g: number;
      if (p === OPAQUE_GRAY[v]) g = opaque[v];
      else {
        g = rgbaGray(bytes, 4 * i);
        if (invert) g = Math.fround(1 - g);
      }
      if (e - i > 8) gray.fill(g, i, e);
      else for (let k = i; k < e; k++) gray[k] = g;
      if (g > INK_LEVEL) {
        if (!open) {
          if (n === runStart.length) grow(n * 2);
          runStart[n] = i - row;
          open = true;
        }
        runEnd[n] = e - row;
      } else if (open) { n++; open = false; }
      if (g > 0) { if (first < 0) first = i - row; last = e - 1 - row; }
      i = e;
    }
    if (open) n++;
    firstLit[y] = first;
    lastLit[y] = last;
  }
  rowStart[h] = n;
}

/** The border's mean gray above ½ (a light background: the ink is dark), summed as the plain version did. */
function lightBorder(w: number, h: number, gray: (i: number) => number): boolean {
  let sum = 0, n = 0;
  for (let x = 0; x < w; x++) { sum += gray(x) + gray((h - 1) * w + x); n += 2; }
  for (let y = 0; y < h; y++) { sum += gray(y * w) + gray(y * w + w - 1); n += 2; }
  return sum / n > 0.5;
}

// Scratch reused from call to call (preprocessing runs synchronously), grown as needed: the ink's
// runs row by row (row y: runs rowStart[y] … rowStart[y + 1] − 1, pixels [runStart, runEnd)); per row
// the first and last pixel that is not 0 (−1: none).
let rowStart = new Int32Array(1), runStart = new Int32Array(64), runEnd = new Int32Array(64);
let firstLit = new Int32Array(0), lastLit = new Int32Array(0);

/** One pass over the gray: the runs of ink of each row, and where each row is not 0. */
function scan(gray: Float32Array, w: number, h: number): void {
  prepareScan(h);
  let n = 0;
  for (let y = 0; y < h; y++) {
    rowStart[y] = n;
    const row = y * w;
    let first = -1, last = -1, open = false;
    for (let x = 0; x < w;) {
      const g = gray[row + x];
      let e = x + 1;
      while (e < w && gray[row + e] === g) e++;
      if (g > INK_LEVEL) {
        if (!open) {
          if (n === runStart.length) grow(n * 2);
          runStart[n] = x;
          open = true;
        }
        runEnd[n] = e;
      } else if (open) { n++; open = false; }
      if (g > 0) { if (first < 0) first = x; last = e - 1; }
      x = e;
    }
    if (open) n++;
    firstLit[y] = first;
    lastLit[y] = last;
  }
  rowStart[h] = n;
}

function prepareScan(h: number): void {
  if (rowStart.length < h + 1) { rowStart = new Int32Array(h + 1); firstLit = new Int32Array(h); lastLit = new Int32Array(h); }
}

function grow(size: number): void {
  const s = new Int32Array(size), e = new Int32Array(size);
  s.set(runStart); e.set(runEnd);
  runStart = s; runEnd = e;
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
 * Area-averaging resize of the box (x0, y0, bw, bh) to sw × sh: each target pixel averages the source
 * area it covers. The sums are the plain version's, term by term (a row's zeros at either end left
 * out: adding 0 changes nothing). Where sh × (bh / sh) rounds above bh, a target pixel's area reaches
 * about 1e-15 past the box: only the box counts (reading past it once gave NaN, so a blank output,
 * for ink on the picture's last row).
 */
function resizeArea(gray: Float32Array, w: number, h: number, x0: number, y0: number, bw: number, bh: number, sw: number, sh: number): Float32Array {
  const out = new Float32Array(sw * sh);
  const fx = bw / sw, fy = bh / sh;
  // The weights of the columns each target column covers, the same for every row.
  if (weightX.length < bw + 2 * sw) weightX = new Float64Array(bw + 2 * sw);
  const wxs = weightX;
  for (let tx = 0, k = 0; tx < sw; tx++) {
    const sx0 = tx * fx, sx1 = sx0 + fx;
    for (let x = Math.floor(sx0); x < Math.ceil(sx1); x++) wxs[k++] = Math.min(sx1, x + 1) - Math.max(sx0, x);
  }
  for (let ty = 0; ty < sh; ty++) {
    const sy0 = ty * fy, sy1 = sy0 + fy;
    for (let tx = 0, k = 0; tx < sw; tx++) {
      const sx0 = tx * fx, sx1 = sx0 + fx;
      const xa = Math.floor(sx0), xb = Math.ceil(sx1);
      let acc = 0;
      for (let y = Math.floor(sy0); y < Math.ceil(sy1); y++) {
        const wy = Math.min(sy1, y + 1) - Math.max(sy0, y);
        const row = (y0 + y) * w + x0;
        if (y >= bh) break; // past the box
        const first = Math.max(xa, firstLit[y0 + y] - x0), last = Math.min(xb - 1, lastLit[y0 + y] - x0, bw - 1);
        for (let x = first; x <= last; x++) acc += wxs[k + x - xa] * wy * gray[row + x];
      }
      k += xb - xa;
      out[ty * sw + tx] = acc / (fx * fy);
    }
  }
  return out;
}

let weightX = new Float64Array(64);
