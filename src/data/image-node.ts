// Reads a drawing (Node): PNG (any colour type, ./png.ts) or PGM (P2/P5), told apart by their
// first bytes, not by the file name. Returns 8-bit gray for preprocessDigit or classify().
// Sizes are checked before anything is allocated: width × height against maxPixels, and for a PNG
// the chunk list (checkPng) and the size its image data inflates to against maxBytes.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { fail } from '../errors';
import { checkPng, pngToGray, MAX_IMAGE_PIXELS, type ImageLimits } from './png';

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
 * Decodes a PNG (any colour type, bit depth and interlacing) to 8-bit gray; transparent pixels are
 * composited over white. The chunks are checked first (checkPng, CRCs included) and the image data
 * is inflated no further than the size its header implies.
 */
export function parsePng(bytes: Uint8Array, name: string, limits: ImageLimits = {}): GrayImage {
  const header = checkPng(bytes, name, limits, crc32);
  const { width, height, inflatedBytes } = header;
  let inflated: Buffer;
  try {
    inflated = inflateSync(Buffer.concat(header.idat), { maxOutputLength: inflatedBytes });
  } catch (e) {
    const { code, message } = e as { code?: string; message: string };
    fail('IMAGE_FORMAT', `${name}: bad PNG: ${
      code === 'ERR_BUFFER_TOO_LARGE' ? `the image data inflates to more than the ${inflatedBytes} bytes that ${width}×${height}${header.interlaced ? ' interlaced' : ''} needs`
      : code === 'Z_BUF_ERROR' ? 'the image data is truncated (its zlib stream ends early)'
      : `the image data does not inflate: ${message}`}`);
  }
  if (inflated.length < inflatedBytes) {
    fail('IMAGE_FORMAT', `${name}: bad PNG: the image data is truncated: it inflates to ${inflated.length} bytes; ${width}×${height} needs ${inflatedBytes}`);
  }
  return { data: pngToGray(header, inflated, name), width, height };
}

export function parseImage(bytes: Uint8Array, name: string, limits: ImageLimits = {}): GrayImage {
  return isPng(bytes) ? parsePng(bytes, name, limits) : parsePgm(bytes, name, limits);
}

/** Reads a PNG or PGM file as 8-bit gray: `clf.classify(await readImage('digit.png'))`. */
export async function readImage(path: string, limits: ImageLimits = {}): Promise<GrayImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    fail('NOT_FOUND', `cannot read ${path}: ${(e as Error).message}`);
  }
  return parseImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), basename(path), limits);
}
