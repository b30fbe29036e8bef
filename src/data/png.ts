// Checks a PNG's chunk list before anything is inflated or allocated: one pass over lengths and
// types (no inflate, no CRC: pngjs checks those while decoding). A hostile file is refused here:
// a second IHDR (pngjs would take its sizes), chunks out of order, a width × height or an inflated
// size above the limits, data after IEND.
import { fail } from '../errors';

export interface ImageLimits {
  /** The largest width × height read (default MAX_IMAGE_PIXELS: 4096 × 4096). */
  maxPixels?: number;
  /** The largest size a PNG's image data may inflate to, in bytes (default MAX_IMAGE_BYTES: 64 MiB). */
  maxBytes?: number;
}

/** A digit picture never needs more; a larger one is refused before decoding. */
export const MAX_IMAGE_PIXELS = 4096 * 4096;
/** 4096 × 4096 at up to 24 bits per pixel (gray, 16-bit gray, RGB) fits; 8-bit RGBA at that size just does not. */
export const MAX_IMAGE_BYTES = 64 * 2 ** 20;

export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
  /** The size the image data must inflate to: filter bytes and packed rows, over the 7 passes when interlaced. */
  inflatedBytes: number;
  /** The IDAT chunks' data, in order (views of the input). */
  idat: Uint8Array[];
}

/** Bit depths allowed for each colour type (PNG spec, table 11.1). */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7: the start and step of each pass, in x and y. */
const ADAM7 = [[0, 8, 0, 8], [4, 8, 0, 8], [0, 4, 4, 8], [2, 4, 0, 4], [0, 2, 2, 4], [1, 2, 0, 2], [0, 1, 1, 2]];
const KNOWN_CRITICAL = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

/** Bytes the filtered scanlines of a width × height image take: one filter byte per row plus the packed pixels. */
function scanlineBytes(width: number, height: number, bitsPerPixel: number): number {
  return width && height ? height * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0;
}

export function inflatedSize(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  if (!interlaced) return scanlineBytes(width, height, bitsPerPixel);
  let total = 0;
  for (const [x0, dx, y0, dy] of ADAM7) {
    total += scanlineBytes(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy), bitsPerPixel);
  }
  return total;
}

/** Walks the chunk list; returns the header and the IDAT data, or throws IMAGE_FORMAT / IMAGE_LIMIT. */
export function checkPng(bytes: Uint8Array, name: string, limits: ImageLimits = {}): PngHeader {
  const maxPixels = limits.maxPixels ?? MAX_IMAGE_PIXELS;
  const maxBytes = limits.maxBytes ?? MAX_IMAGE_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (at: number, why: string): never => fail('IMAGE_FORMAT', `${name}: bad PNG: ${why} (byte offset ${at})`);
  let header: PngHeader | undefined;
  let plte = false, idatDone = false;
  let at = 8; // after the signature
  for (;;) {
    if (at + 12 > bytes.length) bad(at, header ? 'the file ends before IEND' : 'the file ends before IHDR');
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) bad(at, `chunk type bytes ${Array.from(bytes.subarray(at + 4, at + 8)).join(' ')} are not letters`);
    if (length > 0x7fffffff || at + 12 + length > bytes.length) {
      bad(at, `${type} chunk says ${length} bytes of data, but ${bytes.length - at - 12} bytes are left`);
    }
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (!header && type !== 'IHDR') bad(at, `the first chunk is ${type}; IHDR must come first`);
    if (header && type === 'IHDR') bad(at, 'a second IHDR chunk; a PNG has exactly one, first');
    if (header?.idat.length && type !== 'IDAT') idatDone = true;
    if (type === 'IHDR') {
      header = checkIhdr(data, at, bad, maxPixels, maxBytes, name);
    } else if (type === 'PLTE') {
      if (plte) bad(at, 'a second PLTE chunk');
      if (header!.idat.length) bad(at, 'PLTE after IDAT');
      if (header!.colorType === 0 || header!.colorType === 4) bad(at, `PLTE in a grayscale image (colour type ${header!.colorType})`);
      plte = true;
    } else if (type === 'IDAT') {
      if (idatDone) bad(at, 'IDAT chunks not one after another');
      if (header!.colorType === 3 && !plte) bad(at, 'IDAT before PLTE in a palette image');
      header!.idat.push(data);
    } else if (type === 'IEND') {
      if (length !== 0) bad(at, `IEND with ${length} bytes of data`);
      if (!header!.idat.length) bad(at, 'no IDAT chunk before IEND');
      if (at + 12 !== bytes.length) bad(at + 12, `${bytes.length - at - 12} bytes after IEND`);
      return header!;
    } else if (type.charCodeAt(0) < 0x61 && !KNOWN_CRITICAL.has(type)) {
      bad(at, `unknown critical chunk ${type}`);
    }
    at += 12 + length;
  }
}

function checkIhdr(data: Uint8Array, at: number, bad: (at: number, why: string) => never, maxPixels: number, maxBytes: number, name: string): PngHeader {
  if (data.length !== 13) bad(at, `IHDR has ${data.length} bytes of data; it has 13`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const width = view.getUint32(0), height = view.getUint32(4);
  const [depth, colorType, compression, filter, interlace] = data.subarray(8, 13);
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) bad(at, `IHDR says ${width}×${height}; each side is 1 to 2^31 − 1`);
  if (!DEPTHS[colorType]) bad(at, `colour type ${colorType}; PNG has 0, 2, 3, 4 and 6`);
  if (!DEPTHS[colorType].includes(depth)) bad(at, `bit depth ${depth} with colour type ${colorType}; it allows ${DEPTHS[colorType].join(', ')}`);
  if (compression !== 0 || filter !== 0) bad(at, `compression method ${compression}, filter method ${filter}; PNG has only 0`);
  if (interlace > 1) bad(at, `interlace method ${interlace}; PNG has 0 (none) and 1 (Adam7)`);
  if (width * height > maxPixels) {
    fail('IMAGE_LIMIT', `${name}: ${width}×${height} is ${width * height} pixels, more than the limit of ${maxPixels} (maxPixels; simdnet predict --max-pixels N raises it)`);
  }
  const inflatedBytes = inflatedSize(width, height, depth * CHANNELS[colorType], interlace === 1);
  if (inflatedBytes > maxBytes) {
    fail('IMAGE_LIMIT', `${name}: ${width}×${height} at ${depth * CHANNELS[colorType]} bits per pixel inflates to ${inflatedBytes} bytes, more than the limit of ${maxBytes} (maxBytes; simdnet predict --max-bytes N raises it)`);
  }
  return { width, height, depth, colorType, interlaced: interlace === 1, inflatedBytes, idat: [] };
}
