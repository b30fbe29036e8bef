/**
 * The binary model format (browser-safe), all integers little-endian:
 *
 *   offset 0   8 bytes  magic "SIMDNET\0"
 *          8   u32      format version (2; version 1 files still load)
 *         12   u32      header length H
 *         16   H bytes  UTF-8 JSON header: { input, loss, init, seed, layers (the layer specs, as
 *                       in the JSON form without params), paramCount, tensors: [{ name, shape,
 *                       offset, count }], metadata }
 *              0–3      zero bytes, padding to a 4-byte boundary
 *              4·P      the parameter block: paramCount float32 (the network's layout, tensors at
 *                       their offsets, alignment gaps zero)
 *              u32      CRC-32 (IEEE, as zlib) of every byte before it
 *
 * Version 1 (simdnet 0.1) differs only in the header: dense layers as { in, out, activation } and
 * tensor names numbered by runtime layer (dense0, dense2, …); ./network.ts upgrades it.
 *
 * This file encodes and decodes bytes; ./network.ts turns them into networks. The decoder
 * validates lengths before anything else (so a hostile file cannot make it allocate more than its
 * own size justifies), then the checksum, then the header's types, then the weights.
 */
import { fail } from '../errors';

const MAGIC = [0x53, 0x49, 0x4d, 0x44, 0x4e, 0x45, 0x54, 0x00]; // "SIMDNET\0"
export const MODEL_FORMAT_VERSION = 2;
const MAX_HEADER = 1 << 20;

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE 802.3, reflected, as zlib's crc32). */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** What a model file's header holds. */
export interface ModelHeader {
  input: unknown;
  loss?: unknown;
  init?: unknown;
  seed?: unknown;
  layers: Record<string, unknown>[];
  paramCount: number;
  tensors: { name: unknown; shape?: unknown; offset: unknown; count: unknown }[];
  metadata: Record<string, unknown>;
}

export function encodeModelFile(header: Omit<ModelHeader, 'paramCount'>, weights: Float32Array): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify({ ...header, paramCount: weights.length }));
  const weightsAt = Math.ceil((16 + text.length) / 4) * 4;
  const bytes = new Uint8Array(weightsAt + 4 * weights.length + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(8, MODEL_FORMAT_VERSION, true);
  view.setUint32(12, text.length, true);
  bytes.set(text, 16);
  for (let i = 0; i < weights.length; i++) view.setFloat32(weightsAt + 4 * i, weights[i], true);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

/** Checks and splits a model file: its version, header and weights (every one finite). */
export function decodeModelFile(bytes: Uint8Array, name: string, maxParams: number): { version: number; header: ModelHeader; weights: Float32Array } {
  const bad = (code: Parameters<typeof fail>[0], msg: string): never => fail(code, `${name}: ${msg}`);
  if (!(bytes instanceof Uint8Array)) bad('MODEL_FORMAT', `expected the model file's bytes (a Uint8Array), got ${(bytes as object)?.constructor?.name ?? typeof bytes}`);
  if (bytes.length < 20) bad('MODEL_TRUNCATED', `${bytes.length} bytes is too short for a model file (at least 20)`);
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC[i]) bad('MODEL_MAGIC', 'not a simdnet model file (bad magic bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== 1 && version !== 2) bad('MODEL_VERSION', `format version ${version}; this build reads versions 1 and 2`);
  const headerLength = view.getUint32(12, true);
  if (headerLength > MAX_HEADER) bad('MODEL_LIMIT', `header of ${headerLength} bytes exceeds the ${MAX_HEADER}-byte limit`);
  if (16 + headerLength + 4 > bytes.length) bad('MODEL_TRUNCATED', `header says ${headerLength} bytes but the file has ${bytes.length} bytes in all`);
  let header: ModelHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)));
  } catch (e) {
    return bad('MODEL_HEADER', `the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.layers) || !Array.isArray(header.tensors)) {
    bad('MODEL_HEADER', 'the header lacks layers or tensors');
  }
  header.layers.forEach((l, i) => { if (typeof l !== 'object' || l === null || Array.isArray(l)) bad('MODEL_HEADER', `layer ${i} is ${JSON.stringify(l)}, not a layer object`); });
  header.tensors.forEach((t, i) => { if (typeof t !== 'object' || t === null) bad('MODEL_HEADER', `tensor ${i} is ${JSON.stringify(t)}, not a tensor entry`); });
  const paramCount = header.paramCount;
  if (!Number.isSafeInteger(paramCount) || paramCount < 0) bad('MODEL_HEADER', `paramCount must be a non-negative integer, got ${JSON.stringify(paramCount)}`);
  if (paramCount > maxParams) bad('MODEL_LIMIT', `${paramCount} parameters exceed the limit of ${maxParams}`);
  const weightsAt = Math.ceil((16 + headerLength) / 4) * 4;
  const expected = weightsAt + 4 * paramCount + 4;
  if (bytes.length < expected) bad('MODEL_TRUNCATED', `expected ${expected} bytes for ${paramCount} parameters, found ${bytes.length}`);
  if (bytes.length > expected) bad('MODEL_SHAPE', `${bytes.length - expected} unexpected bytes after the checksum (expected ${expected} bytes)`);
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) bad('MODEL_CHECKSUM', `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is damaged`);
  const weights = new Float32Array(paramCount);
  for (let i = 0; i < paramCount; i++) {
    const v = view.getFloat32(weightsAt + 4 * i, true);
    if (!Number.isFinite(v)) bad('MODEL_WEIGHTS', `weight ${i} is ${v}`);
    weights[i] = v;
  }
  if (typeof header.metadata !== 'object' || header.metadata === null || Array.isArray(header.metadata)) header.metadata = {};
  return { version, header, weights };
}

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');
