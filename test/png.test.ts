// The PNG decoder (src/data/png.ts) against pngjs, an independent decoder (a dev dependency only):
// every filter type, every colour type and bit depth, palettes with transparency, interlacing.
import { describe, it, expect } from 'vitest';
import { PNG } from 'pngjs';
import { deflateSync } from 'node:zlib';
import { parseImage } from '../src/data/image-node';
import { SimdnetError } from '../src/errors';
import { encodePng, ihdr, png, pngChunk, type PngSpec } from './support/hostile-files';

/** What the decoder must give: pngjs's 8-bit RGBA, as gray over white (the formula of png.ts). */
function oracle(bytes: Buffer): Uint8Array {
  const { data, width, height } = PNG.sync.read(bytes);
  return Uint8Array.from({ length: width * height }, (_, i) => {
    const [r, g, b, a] = [data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3] / 255];
    return Math.round(a * (0.299 * r + 0.587 * g + 0.114 * b) + (1 - a) * 255);
  });
}

/** Largest difference between the decoder and the oracle. */
function worst(bytes: Buffer): number {
  const ours = parseImage(bytes, 'x.png').data, theirs = oracle(bytes);
  expect(ours.length).toBe(theirs.length);
  return ours.reduce((m, v, i) => Math.max(m, Math.abs(v - theirs[i])), 0);
}

// A 37×23 picture with gradients, noise and a transparent corner: every filter has something to predict.
const W = 37, H = 23;
const rgba = Buffer.alloc(W * H * 4);
for (let y = 0, s = 7; y < H; y++) {
  for (let x = 0; x < W; x++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const i = 4 * (y * W + x);
    rgba.set([(x * 7) & 255, (y * 11) & 255, (s >>> 24) & 255, x < 8 && y < 6 ? 0 : 128 + ((x * y) & 127)], i);
  }
}

describe('PNG decoding against pngjs', () => {
  it.each([0, 1, 2, 3, 4, -1])('8-bit gray, RGB, gray+alpha and RGBA written by pngjs with filter %i decode the same', (filterType) => {
    for (const colorType of [0, 2, 4, 6]) {
      const img = new PNG({ width: W, height: H, colorType: colorType as 0, inputColorType: 6, inputHasAlpha: true, filterType: filterType as 0, bitDepth: 8 });
      rgba.copy(img.data);
      expect(worst(PNG.sync.write(img, { colorType: colorType as 0, inputColorType: 6, filterType: filterType as 0 })), `colour type ${colorType}`).toBe(0);
    }
  });

  it('16-bit RGBA written by pngjs (adaptive filters) decodes within one gray level', () => {
    const wide = new Uint16Array(W * H * 4).map((_, i) => rgba[i] * 257 + (i % 200));
    const img = new PNG({ width: W, height: H, colorType: 6, inputColorType: 6, bitDepth: 16 });
    img.data = Buffer.from(wide.buffer);
    expect(worst(PNG.sync.write(img, { colorType: 6, inputColorType: 6, bitDepth: 16 }))).toBeLessThanOrEqual(1);
  });

  const specs: [string, PngSpec][] = [
    ['gray 1-bit', { width: W, height: H, colorType: 0, depth: 1, sample: (x, y) => [(x + y) & 1] }],
    ['gray 2-bit interlaced', { width: W, height: H, colorType: 0, depth: 2, interlace: 1, sample: (x, y) => [(x * y) & 3] }],
    ['gray 4-bit', { width: W, height: H, colorType: 0, depth: 4, sample: (x, y) => [(x + 3 * y) & 15] }],
    ['gray 16-bit interlaced', { width: W, height: H, colorType: 0, depth: 16, interlace: 1, sample: (x, y) => [x * 1700 + y * 13] }],
    ['RGB 16-bit', { width: W, height: H, colorType: 2, depth: 16, sample: (x, y) => [x * 1000, y * 2000, 65535 - x * y] }],
    ['gray+alpha 16-bit', { width: W, height: H, colorType: 4, depth: 16, sample: (x, y) => [x * 1700, y * 2800] }],
    ['palette 4-bit interlaced', { width: W, height: H, colorType: 3, depth: 4, interlace: 1, palette: Array.from({ length: 16 }, (_, i) => [i * 16, 255 - i * 8, i * 3]), sample: (x, y) => [(x + y) & 15] }],
    ['palette 8-bit', { width: W, height: H, colorType: 3, depth: 8, palette: Array.from({ length: 256 }, (_, i) => [i, (i * 3) & 255, 255 - i]), sample: (x, y) => [(x * 7 + y) & 255] }],
  ];
  it.each(specs)('%s decodes the same', (_, spec) => {
    expect(worst(encodePng(spec))).toBeLessThanOrEqual(spec.depth === 16 ? 1 : 0);
  });

  it('tRNS: palette alphas and the transparent gray value count as white where transparent', () => {
    const palette = png(
      ihdr({ width: 3, height: 1, colorType: 3 }), pngChunk('PLTE', Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0)), pngChunk('tRNS', Uint8Array.of(0, 128)),
      pngChunk('IDAT', deflateSync(Uint8Array.of(0, 0, 1, 2))), pngChunk('IEND'),
    );
    expect(Array.from(parseImage(palette, 'p.png').data)).toEqual([255, 127, 0]); // transparent, half, opaque black
    expect(worst(palette)).toBe(0);
    const gray = png(ihdr({ width: 2, height: 1 }), pngChunk('tRNS', Uint8Array.of(0, 10)), pngChunk('IDAT', deflateSync(Uint8Array.of(0, 10, 11))), pngChunk('IEND'));
    expect(Array.from(parseImage(gray, 'g.png').data)).toEqual([255, 11]);
  });
});

describe('damaged PNGs say what is wrong', () => {
  const good = encodePng({ width: 30, height: 30, colorType: 0, depth: 8, sample: (x, y) => [(x * y) & 255] });
  const error = (bytes: Uint8Array) => {
    try {
      parseImage(bytes, 'd.png');
    } catch (e) {
      expect(e).toBeInstanceOf(SimdnetError);
      return (e as SimdnetError).message;
    }
    throw new Error('decoded');
  };

  it('a file cut anywhere is called truncated', () => {
    for (const n of [20, 40, 60, good.length - 13, good.length - 1]) expect(error(good.subarray(0, n)), `cut at ${n}`).toMatch(/^d\.png: bad PNG: the file is truncated/);
  });

  it('an image whose zlib stream ends early, or holds too few rows, is called truncated', () => {
    const rows = Buffer.alloc(31 * 30, 1); // filter 1 on every row
    const z = deflateSync(rows);
    expect(error(png(ihdr({ width: 30, height: 30 }), pngChunk('IDAT', z.subarray(0, z.length - 20)), pngChunk('IEND')))).toMatch(/the image data is truncated/);
    expect(error(png(ihdr({ width: 30, height: 30 }), pngChunk('IDAT', deflateSync(rows.subarray(0, 31 * 29))), pngChunk('IEND')))).toMatch(/the image data is truncated: it inflates to 899 bytes; 30×30 needs 930/);
  });

  it('a flipped bit fails its chunk CRC; a bad filter type is named', () => {
    const flipped = Buffer.from(good);
    flipped[50] ^= 4;
    expect(error(flipped)).toMatch(/the IDAT chunk's CRC does not match its data: the file is damaged/);
    expect(error(png(ihdr({ width: 2, height: 1 }), pngChunk('IDAT', deflateSync(Uint8Array.of(7, 0, 0))), pngChunk('IEND')))).toMatch(/filter type 7 on a row of pass 1; PNG has 0 to 4/);
  });
});
