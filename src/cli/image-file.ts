// Reads a drawing from disk for `simdnet predict`: PNG (any colour type, via pngjs) or PGM (P2/P5),
// told apart by their first bytes, not by the file name. Returns grayscale bytes for preprocessDigit.
import { PNG } from 'pngjs';
import { fail } from '../errors';

export interface GrayImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Larger images are refused before decoding (a hostile header must not cause a giant allocation). */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b);
}

/** Reads a binary (P5) or ASCII (P2) PGM: 8-bit grayscale. */
export function parsePgm(bytes: Uint8Array, name: string): GrayImage {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 512)));
  const m = /^(P[25])\s+(?:#.*\s+)*(\d+)\s+(?:#.*\s+)*(\d+)\s+(?:#.*\s+)*(\d+)\s/.exec(text);
  if (!m) fail('IMAGE_FORMAT', `${name}: not a PNG or PGM image (expected the PNG signature or a P2/P5 header)`);
  const [header, kind, w, h, max] = m;
  const width = Number(w), height = Number(h), maxval = Number(max);
  if (maxval < 1 || maxval > 255) fail('IMAGE_FORMAT', `${name}: only 8-bit PGM is supported (maxval ${maxval})`);
  if (width < 1 || height < 1 || width * height > MAX_IMAGE_PIXELS) {
    fail('IMAGE_FORMAT', `${name}: ${width}×${height} is not a size this reads (1 to ${MAX_IMAGE_PIXELS} pixels)`);
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
export function parsePng(bytes: Uint8Array, name: string): GrayImage {
  // IHDR is the first chunk: width and height at bytes 16..23 (checked before pngjs allocates).
  if (bytes.length < 33) fail('IMAGE_FORMAT', `${name}: truncated PNG (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16), height = view.getUint32(20);
  if (width < 1 || height < 1 || width * height > MAX_IMAGE_PIXELS) {
    fail('IMAGE_FORMAT', `${name}: ${width}×${height} is not a size this reads (1 to ${MAX_IMAGE_PIXELS} pixels)`);
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

export function parseImage(bytes: Uint8Array, name: string): GrayImage {
  return isPng(bytes) ? parsePng(bytes, name) : parsePgm(bytes, name);
}
