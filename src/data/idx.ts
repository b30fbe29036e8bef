/**
 * IDX files (the MNIST container format), raw or gzipped. Browser-safe: gzip goes through the
 * global DecompressionStream, never node:zlib.
 *
 * Layout, all big-endian: 0x00 0x00, type byte (only 0x08 = unsigned byte is accepted), dims byte,
 * `dims` uint32 sizes, then the data. Images are magic 0x00000803 [count, rows, cols]; labels are
 * magic 0x00000801 [count].
 *
 * Gzip is inflated as a stream, checked against the header as it comes out and against `maxBytes`
 * (default 512 MiB), and kept only once it has been counted (gunzipIdx): a decompression bomb is
 * refused without its output ever being held.
 *
 * Error codes (IdxError): IDX_TRUNCATED (fewer bytes than the header promises), IDX_MAGIC (not an
 * unsigned-byte image or label IDX file), IDX_HEADER (impossible sizes, or trailing bytes, or
 * gzip data that inflates past the declared size), IDX_GZIP (gzip data that does not decompress),
 * IDX_LIMIT (a declared or inflated size above `maxBytes`).
 */
import { IdxError, fail } from '../errors';

export interface IdxImages {
  kind: 'images';
  count: number;
  rows: number;
  cols: number;
  /** count*rows*cols bytes, row-major per image; a view into the input bytes (no copy). */
  pixels: Uint8Array;
}

export interface IdxLabels {
  kind: 'labels';
  count: number;
  /** count bytes; a view into the input bytes (no copy). */
  labels: Uint8Array;
}

const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;
const EXPECTED = 'expected 0x00000803 (2051, images) or 0x00000801 (2049, labels)';
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64',
};

const hex = (n: number, digits: number) => '0x' + n.toString(16).padStart(digits, '0');
const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** True when the bytes start with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

interface IdxHeader {
  images: boolean;
  headerLen: number;
  count: number;
  rows: number;
  cols: number;
  /** Bytes of data the header promises (BigInt: sizes whose product exceeds 2^53 stay exact). */
  need: bigint;
  /** The header in words, for messages: "60000 images of 28×28 (47040000 bytes of pixels)". */
  what: string;
}

/** Reads and checks the magic number and the sizes, not the data. */
function readHeader(bytes: Uint8Array, name: string): IdxHeader {
  if (bytes.length < 4) {
    fail('IDX_TRUNCATED', `${name}: ${bytes.length} bytes is too short for the 4-byte IDX magic number`);
  }
  const magic = u32(bytes, 0);
  if (magic !== IMAGES_MAGIC && magic !== LABELS_MAGIC) {
    let why = 'not an IDX file';
    if (isGzip(bytes)) why = 'the data is gzipped; use parseIdx, which decompresses it';
    else if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] !== 0x08) {
      const t = TYPE_NAMES[bytes[2]];
      why = `element type ${hex(bytes[2], 2)}${t ? ` (${t})` : ' (unknown)'} is not supported; only 0x08 (unsigned byte) is`;
    } else if (bytes[0] === 0 && bytes[1] === 0) {
      why = `${bytes[3]} dimensions; images have 3 and labels 1`;
    }
    fail('IDX_MAGIC', `${name}: magic number ${hex(magic, 8)} (${magic}) at byte offset 0: ${why}; ${EXPECTED}`);
  }

  const images = magic === IMAGES_MAGIC;
  const headerLen = images ? 16 : 8;
  if (bytes.length < headerLen) {
    fail(
      'IDX_TRUNCATED',
      `${name}: ${images ? 'image' : 'label'} file needs a header of ${headerLen} bytes but has only ${bytes.length} bytes`,
    );
  }
  const count = u32(bytes, 4);
  const rows = images ? u32(bytes, 8) : 1;
  const cols = images ? u32(bytes, 12) : 1;
  if (images && (rows === 0 || cols === 0)) {
    fail('IDX_HEADER', `${name}: header says images are ${rows}×${cols} (bytes 8–15); rows and cols must be positive`);
  }
  const need = BigInt(count) * BigInt(rows) * BigInt(cols);
  const what = images ? `${count} images of ${rows}×${cols} (${need} bytes of pixels)` : `${count} labels (${need} bytes)`;
  return { images, headerLen, count, rows, cols, need, what };
}

/** Parses an uncompressed IDX file. Every size in the header is checked against the byte length. */
export function parseIdxRaw(bytes: Uint8Array, name = 'IDX data'): IdxImages | IdxLabels {
  const { images, headerLen, count, rows, cols, need, what } = readHeader(bytes, name);
  const have = bytes.length - headerLen;
  if (need > BigInt(have)) {
    fail(
      'IDX_TRUNCATED',
      `${name}: header says ${what} but only ${have} bytes follow the ${headerLen}-byte header`,
    );
  }
  if (need < BigInt(have)) {
    const end = headerLen + Number(need);
    fail(
      'IDX_HEADER',
      `${name}: header says ${what} but ${have - Number(need)} trailing bytes follow the data, from byte offset ${end}`,
    );
  }

  const data = bytes.subarray(headerLen);
  return images ? { kind: 'images', count, rows, cols, pixels: data } : { kind: 'labels', count, labels: data };
}

/** The default for `maxBytes`: the most bytes an IDX file may hold, raw or inflated (MNIST's largest holds 47 MB). */
export const MAX_IDX_BYTES = 512 * 2 ** 20;

/**
 * A gzip inflater: the output of `bytes`, chunk by chunk, produced on demand, so a reader that
 * stops early stops the inflating too. It throws when the data does not decompress.
 */
export type GunzipChunks = (bytes: Uint8Array) => AsyncIterable<Uint8Array>;

export interface IdxOptions {
  /**
   * The most bytes gzipped data may inflate to (default MAX_IDX_BYTES, 512 MiB). A header that
   * declares more is refused as soon as it is inflated (IDX_LIMIT).
   */
  maxBytes?: number;
  /** The inflater; default: the platform DecompressionStream. readIdxFile passes node:zlib's, which is faster. */
  gunzipChunks?: GunzipChunks;
}

/**
 * The platform DecompressionStream (Node ≥ 18 and browsers) as a GunzipChunks. The input goes in
 * 16 KiB at a time, as the output is read: Chromium inflates each input chunk whole, so one 2 MB
 * chunk would queue gigabytes before the first read; 16 KiB inflates to at most ~16 MB.
 */
export async function* decompressionStreamChunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const SLICE = 1 << 14;
  let at = 0;
  const source = new ReadableStream<BufferSource>(
    {
      pull(c) {
        if (at >= bytes.length) return c.close();
        // Cast only for the DOM typings, which want ArrayBuffer-backed views.
        c.enqueue(bytes.subarray(at, at + SLICE) as Uint8Array<ArrayBuffer>);
        at += SLICE;
      },
    },
    { highWaterMark: 0 },
  );
  const reader = source.pipeThrough(new DecompressionStream('gzip')).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.cancel().catch(() => {}); // stopped early (a limit): end the inflating
  }
}

/** The inflater's chunks, its errors turned into IDX_GZIP; stopping early stops the inflater. */
async function* inflated(bytes: Uint8Array, name: string, gunzipChunks: GunzipChunks): AsyncGenerator<Uint8Array> {
  const it = gunzipChunks(bytes)[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await it.next();
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        fail('IDX_GZIP', `${name}: gzip data (${bytes.length} bytes) does not decompress: ${why}`);
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await it.return?.();
  }
}

/** Decompresses gzip bytes, stopping with IDX_LIMIT as soon as the output passes `maxBytes`. */
export async function gunzip(bytes: Uint8Array, name = 'gzip data', opts: IdxOptions = {}): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? MAX_IDX_BYTES;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of inflated(bytes, name, opts.gunzipChunks ?? decompressionStreamChunks)) {
    total += chunk.length;
    if (total > maxBytes) {
      fail('IDX_LIMIT', `${name}: gzip data (${bytes.length} bytes) inflates to more than ${maxBytes} bytes, the limit (maxBytes); if it really holds that much, raise maxBytes`);
    }
    chunks.push(chunk);
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Inflates a gzipped IDX file in two passes. The first reads the header as soon as its 16 bytes
 * are out (a bad one stops there; a declared size above maxBytes is IDX_LIMIT), then counts the
 * rest without keeping it, and stops (IDX_HEADER) as soon as the data passes the declared size.
 * Only then does the second pass inflate into one buffer of the counted size. So a decompression
 * bomb costs time in proportion to the size it declares (at most maxBytes) and no memory for it.
 */
async function gunzipIdx(bytes: Uint8Array, name: string, maxBytes: number, gunzipChunks: GunzipChunks): Promise<Uint8Array> {
  const head: Uint8Array[] = [];
  let header: IdxHeader | undefined;
  let declared = 0;
  let total = 0;
  for await (const chunk of inflated(bytes, name, gunzipChunks)) {
    total += chunk.length;
    if (!header) {
      head.push(chunk);
      if (total < 16) continue; // a whole image header (a label file this short is parsed as it is)
      header = readHeader(concat(head, total), name);
      const size = BigInt(header.headerLen) + header.need;
      if (size > BigInt(maxBytes)) {
        fail(
          'IDX_LIMIT',
          `${name}: header says ${header.what}, ${size} bytes in all: more than ${maxBytes} bytes, the limit for ` +
            'gzipped data (maxBytes); if the file really holds that much, raise maxBytes',
        );
      }
      declared = Number(size);
      head.length = 0;
    }
    if (total > declared) {
      fail('IDX_HEADER', `${name}: header says ${header.what}, ${declared} bytes in all, but the gzip data inflates to more than that (stopped at ${total} bytes)`);
    }
  }
  if (!header) return concat(head, total);
  const out = new Uint8Array(total);
  let o = 0;
  for await (const chunk of inflated(bytes, name, gunzipChunks)) {
    if (o + chunk.length > total) fail('IDX_GZIP', `${name}: gzip data inflated to a different size the second time`);
    out.set(chunk, o);
    o += chunk.length;
  }
  return out;
}

/** Parses an IDX file, gunzipping it first when it starts with the gzip magic. */
export async function parseIdx(bytes: Uint8Array, name = 'IDX data', opts: IdxOptions = {}): Promise<IdxImages | IdxLabels> {
  if (!isGzip(bytes)) return parseIdxRaw(bytes, name);
  return parseIdxRaw(await gunzipIdx(bytes, name, opts.maxBytes ?? MAX_IDX_BYTES, opts.gunzipChunks ?? decompressionStreamChunks), name);
}
