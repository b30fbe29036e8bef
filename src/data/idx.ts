/**
 * IDX files (the MNIST container format), raw or gzipped. Browser-safe: gzip goes through the
 * global DecompressionStream, never node:zlib.
 *
 * Layout, all big-endian: 0x00 0x00, type byte (only 0x08 = unsigned byte is accepted), dims byte,
 * `dims` uint32 sizes, then the data. Images are magic 0x00000803 [count, rows, cols]; labels are
 * magic 0x00000801 [count].
 *
 * Error codes (IdxError): IDX_TRUNCATED (fewer bytes than the header promises), IDX_MAGIC (not an
 * unsigned-byte image or label IDX file), IDX_HEADER (impossible sizes, or trailing bytes),
 * IDX_GZIP (gzip data that does not decompress).
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

/** Parses an uncompressed IDX file. Every size in the header is checked against the byte length. */
export function parseIdxRaw(bytes: Uint8Array, name = 'IDX data'): IdxImages | IdxLabels {
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

  // BigInt so that sizes whose product exceeds 2^53 are still compared exactly.
  const need = BigInt(count) * BigInt(rows) * BigInt(cols);
  const have = bytes.length - headerLen;
  const what = images ? `${count} images of ${rows}×${cols} (${need} bytes of pixels)` : `${count} labels (${need} bytes)`;
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

/** Decompresses gzip bytes with the platform DecompressionStream (Node ≥ 18 and browsers). */
export async function gunzip(bytes: Uint8Array, name = 'gzip data'): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const source = new ReadableStream<BufferSource>({
      start(c) {
        // Cast only for the DOM typings, which want ArrayBuffer-backed views.
        c.enqueue(bytes as Uint8Array<ArrayBuffer>);
        c.close();
      },
    });
    const reader = source.pipeThrough(new DecompressionStream('gzip')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    fail('IDX_GZIP', `${name}: gzip data (${bytes.length} bytes) does not decompress: ${why}`);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Parses an IDX file, gunzipping it first when it starts with the gzip magic. */
export async function parseIdx(bytes: Uint8Array, name = 'IDX data'): Promise<IdxImages | IdxLabels> {
  return parseIdxRaw(isGzip(bytes) ? await gunzip(bytes, name) : bytes, name);
}
