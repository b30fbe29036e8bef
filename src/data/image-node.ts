// Reads a drawing from disk for `simdnet predict`: PNG (any colour type, via pngjs) or PGM (P2/P5),
// told apart by their first bytes, not by the file name. Returns grayscale bytes for preprocessDigit.
// Sizes are checked before anything is allocated: width × height against maxPixels, and for a PNG
// the chunk list (checkPng) and the size its image data inflates to against maxBytes.
import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { fail } from '../errors';
import { checkPng, MAX_IMAGE_PIXELS, type ImageLimits } from './png';

export { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, type ImageLimits } from './png';

export interface GrayImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b);
}

/** Reads a binary (P5) or ASCII (P2) PGM: 8-bit grayscale. */
export function parsePgm(bytes: Uint8Array, name: string, limits: ImageLimits = {}): GrayImage {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 512)));
  const m = /^(P[25])\s+(?:#.*\s+)*(\d+)\s+(?:#.*\s+)*(\d+)\s+(?:#.*\s+)*(\d+)\s/.exec(text);
  if (!m) fail('IMAGE_FORMAT', `${name}: not a PNG or PGM image (expected the PNG signature or a P2/P5 header)`);
  const [header, kind, w, h, max] = m;
  const width = Number(w), height = Number(h), maxval = Number(max);
  if (maxval < 1 || maxval > 255) fail('IMAGE_FORMAT', `${name}: only 8-bit PGM is supported (maxval ${maxval})`);
  if (width < 1 || height < 1) fail('IMAGE_FORMAT', `${name}: PGM header says ${width}×${height}; each side must be at least 1`);
  const maxPixels = limits.maxPixels ?? MAX_IMAGE_PIXELS;
  if (width * height > maxPixels) {
    fail('IMAGE_LIMIT', `${name}: ${width}×${height} is ${width * height} pixels, more than the limit of ${maxPixels} (maxPixels; simdnet predict --max-pixels N raises it)`);
  }
  const n = width * height;
  let values: number[] | Uint8Array;
  if (kind === 'P5') {
    values = bytes.subarray(header.length, header.length + n);
    if (values.length < n) fail('IMAGE_FORMAT', `${name}: ${width}×${height} needs ${n} pixel bytes after the header, found ${values.length}`);
  } else {
    values = new TextDecoder('latin1').decode(bytes.subarray(header.length)).trim().split(/\s+/).map(Number);
    if (values.length < n) fail('IMAGE_FORMAT', `${name}: ${width}×${height} needs ${n} values, found ${values.length}`);
  }
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.round((values[i] * 255) / maxval);
  return { data, width, height };
}

/**
 * Decodes a PNG to grayscale. Transparent pixels are composited over white, as a viewer shows
 * them: a canvas export with dark strokes on a transparent background reads as dark-on-light.
 */
export function parsePng(bytes: Uint8Array, name: string, limits: ImageLimits = {}): GrayImage {
  const header = checkPng(bytes, name, limits);
  if (header.interlaced) {
    // pngjs inflates interlaced data without a bound (non-interlaced data it stops at the size
    // the header implies): inflate it once here, stopping there, before pngjs does.
    try {
      inflateSync(Buffer.concat(header.idat), { maxOutputLength: header.inflatedBytes });
    } catch (e) {
      const why = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
        ? `the image data inflates to more than the ${header.inflatedBytes} bytes that ${header.width}×${header.height} interlaced needs`
        : `the image data does not inflate: ${(e as Error).message}`;
      fail('IMAGE_FORMAT', `${name}: bad PNG: ${why}`);
    }
  }
  let png: { width: number; height: number; data: Uint8Array };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    fail('IMAGE_FORMAT', `${name}: bad PNG: ${(e as Error).message}`);
  }
  const n = png.width * png.height;
  const data = new Uint8Array(n);
  const rgba = png.data; // pngjs always gives 8-bit RGBA
  for (let i = 0; i < n; i++) {
    const r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2], a = rgba[4 * i + 3] / 255;
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    data[i] = Math.round(a * luma + (1 - a) * 255);
  }
  return { data, width: png.width, height: png.height };
}

export function parseImage(bytes: Uint8Array, name: string, limits: ImageLimits = {}): GrayImage {
  return isPng(bytes) ? parsePng(bytes, name, limits) : parsePgm(bytes, name, limits);
}
