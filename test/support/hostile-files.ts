// Test helper: hostile PNG and IDX files (decompression bombs, lying headers, bad chunk order),
// built in memory in a few MB without ever allocating what they inflate to.
import { constants, crc32, deflateRawSync, deflateSync } from 'node:zlib';

const SEGMENT = 1 << 20;
let zeroSegment: Uint8Array | undefined;

/**
 * Raw deflate data for `prefix` followed by `zeros` zero bytes. Each piece is compressed on its
 * own and ends with a full flush (byte-aligned, no reference to earlier data), so one compressed
 * MiB of zeros (about 1 KB) can be repeated: 2 MB of output inflates to about 2 GB.
 */
function deflateZeros(prefix: Uint8Array, zeros: number): Buffer {
  const flush = { level: 9, finishFlush: constants.Z_FULL_FLUSH };
  zeroSegment ??= deflateRawSync(Buffer.alloc(SEGMENT), flush);
  const parts: Uint8Array[] = [deflateRawSync(prefix, flush)];
  for (let left = zeros; left > 0; left -= SEGMENT) {
    parts.push(left >= SEGMENT ? zeroSegment : deflateRawSync(Buffer.alloc(left), flush));
  }
  parts.push(Buffer.from([0x03, 0x00])); // a final, empty fixed-Huffman block
  return Buffer.concat(parts);
}

/** A zlib stream (PNG's IDAT format) of `prefix` then `zeros` zero bytes, with a correct Adler-32. */
export function zlibZeros(prefix: Uint8Array, zeros: number): Buffer {
  let a = 1, b = 0;
  for (const v of prefix) { a = (a + v) % 65521; b = (b + a) % 65521; }
  b = Number((BigInt(b) + BigInt(a) * BigInt(zeros)) % 65521n); // each zero adds a to b
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(((b << 16) | a) >>> 0);
  return Buffer.concat([Buffer.from([0x78, 0xda]), deflateZeros(prefix, zeros), trailer]);
}

/** A gzip member of `prefix` then `zeros` zero bytes. Its CRC is not computed (zero): readers must stop long before it. */
export function gzipZeros(prefix: Uint8Array, zeros: number): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(Number(BigInt(prefix.length + zeros) % 2n ** 32n), 4);
  return Buffer.concat([header, deflateZeros(prefix, zeros), trailer]);
}

/** One PNG chunk: length, type, data, CRC of type + data. */
export function pngChunk(type: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))));
  return Buffer.concat([head, data, crc]);
}

export interface Ihdr {
  width: number;
  height: number;
  depth?: number;
  colorType?: number;
  interlace?: number;
}

export function ihdr({ width, height, depth = 8, colorType = 0, interlace = 0 }: Ihdr): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d.set([depth, colorType, 0, 0, interlace], 8);
  return pngChunk('IHDR', d);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG of the given chunks (signature prepended). */
export function png(...chunks: Buffer[]): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ...chunks]);
}

/** A valid 8-bit grayscale, non-interlaced PNG of rows of bytes (filter 0 on every row). */
export function grayPng(pixels: Uint8Array, width: number, height: number): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return png(ihdr({ width, height }), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND'));
}

/** An IDX image-file header: magic 0x00000803, count, rows, cols. */
export function idxImagesHeader(count: number, rows: number, cols: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32BE(0x00000803, 0);
  h.writeUInt32BE(count, 4);
  h.writeUInt32BE(rows, 8);
  h.writeUInt32BE(cols, 12);
  return h;
}

export interface PngSpec {
  width: number;
  height: number;
  colorType: 0 | 2 | 3 | 4 | 6;
  depth: 1 | 2 | 4 | 8 | 16;
  interlace?: 0 | 1;
  /** RGB triples, for colour type 3. */
  palette?: number[][];
  /** The samples of pixel (x, y): as many as the colour type has channels (a palette index for type 3). */
  sample: (x: number, y: number) => number[];
}

const ADAM7 = [[0, 8, 0, 8], [4, 8, 0, 8], [0, 4, 4, 8], [2, 4, 0, 4], [0, 2, 2, 4], [1, 2, 0, 2], [0, 1, 1, 2]];

/** A valid PNG of any colour type, bit depth and interlacing (filter 0 on every row): an encoder independent of pngjs. */
export function encodePng({ width, height, colorType, depth, interlace = 0, palette, sample }: PngSpec): Buffer {
  const rows: number[] = [];
  const passes = interlace ? ADAM7 : [[0, 1, 0, 1]];
  for (const [x0, dx, y0, dy] of passes) {
    for (let y = y0; y < height; y += dy) {
      if (x0 >= width) break;
      rows.push(0); // filter type 0
      let acc = 0, bits = 0;
      for (let x = x0; x < width; x += dx) {
        for (const v of sample(x, y)) {
          if (depth === 16) rows.push(v >> 8, v & 255);
          else if (depth === 8) rows.push(v);
          else {
            acc = (acc << depth) | v;
            bits += depth;
            if (bits === 8) { rows.push(acc); acc = 0; bits = 0; }
          }
        }
      }
      if (bits) rows.push(acc << (8 - bits));
    }
  }
  const chunks = [ihdr({ width, height, depth, colorType, interlace })];
  if (palette) chunks.push(pngChunk('PLTE', Uint8Array.from(palette.flat())));
  chunks.push(pngChunk('IDAT', deflateSync(Uint8Array.from(rows))), pngChunk('IEND'));
  return png(...chunks);
}
