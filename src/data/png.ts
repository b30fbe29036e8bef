// PNG in two steps, no image library:
// 1. checkPng walks the chunk list before anything is inflated or allocated: lengths, types, order
//    (IHDR first and once, PLTE before the IDATs, IDATs together, IEND last), CRCs, a width × height
//    and an inflated size within the limits. A hostile or truncated file is refused here.
// 2. pngToGray undoes the scanline filters of the inflated data (every pass when interlaced) and
//    turns any colour type and bit depth into 8-bit gray, transparent pixels over white.
// Inflating (zlib) is the caller's: node:zlib in data/image-node.ts, stopped at inflatedBytes.
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
  /** PLTE's RGB triples, and tRNS's data (palette alphas, or the one transparent gray or RGB value). */
  palette?: Uint8Array;
  transparency?: Uint8Array;
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

/**
 * Walks the chunk list; returns the header and the IDAT data, or throws IMAGE_FORMAT / IMAGE_LIMIT.
 * `crc32`, when given, checks every chunk's CRC (of its type and data).
 */
export function checkPng(bytes: Uint8Array, name: string, limits: ImageLimits = {}, crc32?: (bytes: Uint8Array) => number): PngHeader {
  const maxPixels = limits.maxPixels ?? MAX_IMAGE_PIXELS;
  const maxBytes = limits.maxBytes ?? MAX_IMAGE_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (at: number, why: string): never => fail('IMAGE_FORMAT', `${name}: bad PNG: ${why} (byte offset ${at})`);
  let header: PngHeader | undefined;
  let plte = false, idatDone = false;
  let at = 8; // after the signature
  for (;;) {
    if (at + 12 > bytes.length) bad(at, `the file is truncated: it ends before ${header ? 'IEND' : 'IHDR'}`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) bad(at, `chunk type bytes ${Array.from(bytes.subarray(at + 4, at + 8)).join(' ')} are not letters`);
    if (length > 0x7fffffff) bad(at, `${type} chunk says ${length} bytes of data; a chunk holds at most 2^31 − 1`);
    if (at + 12 + length > bytes.length) {
      bad(at, `the file is truncated: its ${type} chunk says ${length} bytes of data, but ${Math.max(0, bytes.length - at - 12)} bytes are left`);
    }
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (crc32 && crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) {
      bad(at, `the ${type} chunk's CRC does not match its data: the file is damaged`);
    }
    if (!header && type !== 'IHDR') bad(at, `the first chunk is ${type}; IHDR must come first`);
    if (header && type === 'IHDR') bad(at, 'a second IHDR chunk; a PNG has exactly one, first');
    if (header?.idat.length && type !== 'IDAT') idatDone = true;
    if (type === 'IHDR') {
      header = checkIhdr(data, at, bad, maxPixels, maxBytes, name);
    } else if (type === 'PLTE') {
      if (plte) bad(at, 'a second PLTE chunk');
      if (header!.idat.length) bad(at, 'PLTE after IDAT');
      if (header!.colorType === 0 || header!.colorType === 4) bad(at, `PLTE in a grayscale image (colour type ${header!.colorType})`);
      if (length % 3 !== 0 || length === 0 || length > 768) bad(at, `PLTE with ${length} bytes; it holds 1 to 256 RGB triples`);
      plte = true;
      header!.palette = data;
    } else if (type === 'tRNS') {
      if (header!.idat.length) bad(at, 'tRNS after IDAT');
      header!.transparency = data;
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
  if (colorType === 3 && depth === 16) bad(at, 'bit depth 16 with a palette');
  if (width * height > maxPixels) {
    fail('IMAGE_LIMIT', `${name}: ${width}×${height} is ${width * height} pixels, more than the limit of ${maxPixels} (maxPixels; simdnet predict --max-pixels N raises it)`);
  }
  const inflatedBytes = inflatedSize(width, height, depth * CHANNELS[colorType], interlace === 1);
  if (inflatedBytes > maxBytes) {
    fail('IMAGE_LIMIT', `${name}: ${width}×${height} at ${depth * CHANNELS[colorType]} bits per pixel inflates to ${inflatedBytes} bytes, more than the limit of ${maxBytes} (maxBytes; simdnet predict --max-bytes N raises it)`);
  }
  return { width, height, depth, colorType, interlaced: interlace === 1, inflatedBytes, idat: [] };
}

/**
 * The pixels of a checked PNG as 8-bit gray (luma 0.299 R + 0.587 G + 0.114 B), transparent pixels
 * composited over white as a viewer shows them (a canvas export with dark strokes on a transparent
 * ground reads as dark-on-light). `inflated`: the IDAT data inflated, exactly header.inflatedBytes.
 */
export function pngToGray(header: PngHeader, inflated: Uint8Array, name: string): Uint8Array {
  const { width, height, depth, colorType, palette, transparency } = header;
  const channels = CHANNELS[colorType];
  const bits = depth * channels;
  const bpp = Math.max(1, bits >> 3); // the filters' byte distance: one pixel, at least one byte
  const max = 2 ** depth - 1;
  const out = new Uint8Array(width * height);
  const sample = (row: Uint8Array, i: number) =>
    depth === 8 ? row[i] : depth === 16 ? (row[2 * i] << 8) | row[2 * i + 1] : (row[(i * depth) >> 3] >> (8 - depth - ((i * depth) & 7))) & max;
  // tRNS for gray or RGB: the one sample value (at the file's depth) that is transparent.
  const key = transparency && (colorType === 0 || colorType === 2) ? [0, 1, 2].map((c) => (transparency[2 * c] << 8) | transparency[2 * c + 1]) : undefined;
  let at = 0;
  for (const [x0, dx, y0, dy] of header.interlaced ? ADAM7 : [[0, 1, 0, 1]]) {
    const pw = Math.ceil((width - x0) / dx), ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const rowBytes = Math.ceil((pw * bits) / 8);
    let prev = new Uint8Array(rowBytes);
    for (let py = 0; py < ph; py++) {
      const filter = inflated[at];
      const row = inflated.slice(at + 1, at + 1 + rowBytes);
      unfilter(filter, row, prev, bpp, () => fail('IMAGE_FORMAT', `${name}: bad PNG: filter type ${filter} on a row of pass ${header.interlaced ? ADAM7.findIndex((p) => p[0] === x0 && p[2] === y0) + 1 : 1}; PNG has 0 to 4`));
      at += 1 + rowBytes;
      prev = row;
      const y = y0 + py * dy;
      for (let px = 0; px < pw; px++) {
        let r: number, g: number, b: number, a = 1;
        const i = px * channels;
        if (colorType === 3) {
          const index = sample(row, i);
          if (3 * index + 2 >= palette!.length) fail('IMAGE_FORMAT', `${name}: bad PNG: palette index ${index} at (${x0 + px * dx}, ${y}); the palette has ${palette!.length / 3} colours`);
          r = palette![3 * index] / 255; g = palette![3 * index + 1] / 255; b = palette![3 * index + 2] / 255;
          if (transparency && index < transparency.length) a = transparency[index] / 255;
        } else if (colorType === 0 || colorType === 4) {
          const v = sample(row, i);
          r = g = b = v / max;
          if (colorType === 4) a = sample(row, i + 1) / max;
          else if (key && v === key[0]) a = 0;
        } else {
          const v0 = sample(row, i), v1 = sample(row, i + 1), v2 = sample(row, i + 2);
          r = v0 / max; g = v1 / max; b = v2 / max;
          if (colorType === 6) a = sample(row, i + 3) / max;
          else if (key && v0 === key[0] && v1 === key[1] && v2 === key[2]) a = 0;
        }
        out[y * width + x0 + px * dx] = Math.round(255 * (a * (0.299 * r + 0.587 * g + 0.114 * b) + 1 - a));
      }
    }
  }
  return out;
}

/** Undoes one scanline's filter in place (PNG spec, section 9): row and prev are the filtered and previous unfiltered rows. */
function unfilter(filter: number, row: Uint8Array, prev: Uint8Array, bpp: number, badFilter: () => never): void {
  const n = row.length;
  switch (filter) {
    case 0: return;
    case 1: for (let i = bpp; i < n; i++) row[i] += row[i - bpp]; return; // Sub: + left
    case 2: for (let i = 0; i < n; i++) row[i] += prev[i]; return; // Up: + above
    case 3: for (let i = 0; i < n; i++) row[i] += ((i >= bpp ? row[i - bpp] : 0) + prev[i]) >> 1; return; // Average
    case 4: // Paeth: + whichever of left, above, upper-left is closest to left + above − upper-left
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? row[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        row[i] += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      return;
    default: badFilter();
  }
}
