// A tiny grayscale PNG encoder (8-bit, zlib "stored" blocks: no compression), for drawing digits in
// charts as data: URLs without a canvas or an image library. Works in Node and browsers.
import { crc32 } from '../io/model-file';

function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** PNG bytes of a width×height grayscale image (row-major, 0–255). */
export function encodeGrayPng(pixels: ArrayLike<number>, width: number, height: number): Uint8Array {
  // Scanlines with filter byte 0, then zlib: header, stored blocks of ≤ 65535 bytes, Adler-32.
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = Math.max(0, Math.min(255, Math.round(pixels[y * width + x])));
  }
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const z = new Uint8Array(2 + raw.length + 5 * blocks + 4);
  z[0] = 0x78; z[1] = 0x01;
  let o = 2;
  for (let bi = 0; bi < blocks; bi++) {
    const part = raw.subarray(bi * 65535, Math.min(raw.length, (bi + 1) * 65535));
    z[o] = bi === blocks - 1 ? 1 : 0;
    z[o + 1] = part.length & 0xff; z[o + 2] = part.length >>> 8;
    z[o + 3] = ~part.length & 0xff; z[o + 4] = (~part.length >>> 8) & 0xff;
    z.set(part, o + 5);
    o += 5 + part.length;
  }
  new DataView(z.buffer).setUint32(o, adler32(raw));
  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', z), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) { out.set(part, p); p += part.length; }
  return out;
}

/** The same as a data: URL (base64). */
export function grayPngDataUrl(pixels: ArrayLike<number>, width: number, height: number): string {
  const bytes = encodeGrayPng(pixels, width, height);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return `data:image/png;base64,${btoa(bin)}`;
}
