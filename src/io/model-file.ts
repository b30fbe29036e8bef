/**
 * The binary model format (browser-safe), version 1, all integers little-endian:
 *
 *   offset 0   8 bytes  magic "SIMDNET\0"
 *          8   u32      format version (1)
 *         12   u32      header length H
 *         16   H bytes  UTF-8 JSON header: { input, loss, init, seed, layers (toJSON() without
 *                       weights), paramCount, tensors: [{ name, shape, offset, count }], metadata }
 *              0–3      zero bytes, padding to a 4-byte boundary
 *              4·P      the parameter block: paramCount float32 (the network's layout, tensors at
 *                       their offsets, alignment gaps zero)
 *              u32      CRC-32 (IEEE, as zlib) of every byte before it
 *
 * The loader validates lengths before anything else (so a hostile file cannot make it allocate
 * more than its own size justifies), then the checksum, then the header, then the weights.
 */
import type { Backend } from '../kernels/backend';
import type { Network, NetworkJson } from '../nn/network';
import { Network as NetworkClass } from '../nn/network';
import { buildLayers, type LayerSpec } from '../nn/layers';
import { ModelFormatError } from '../errors';

const MAGIC = [0x53, 0x49, 0x4d, 0x44, 0x4e, 0x45, 0x54, 0x00]; // "SIMDNET\0"
export const MODEL_FORMAT_VERSION = 1;
const MAX_HEADER = 1 << 20;
const MAX_PARAMS = 100_000_000;
const MAX_DIM = 1_000_000;

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

export function serializeModel(net: Network, metadata: Record<string, unknown> = {}): Uint8Array {
  const json = net.toJSON();
  const layers = json.layers.map((l) => {
    const { weights: _w, bias: _b, ...rest } = l as { weights?: unknown; bias?: unknown };
    return rest;
  });
  const header = new TextEncoder().encode(JSON.stringify({
    input: json.input, loss: json.loss, init: json.init, seed: json.seed, layers,
    paramCount: net.paramCount, tensors: net.tensors, metadata,
  }));
  const weightsAt = Math.ceil((16 + header.length) / 4) * 4;
  const bytes = new Uint8Array(weightsAt + 4 * net.paramCount + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(8, MODEL_FORMAT_VERSION, true);
  view.setUint32(12, header.length, true);
  bytes.set(header, 16);
  const weights = net.getWeights();
  for (let i = 0; i < weights.length; i++) view.setFloat32(weightsAt + 4 * i, weights[i], true);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

export interface LoadedModel {
  net: Network;
  metadata: Record<string, unknown>;
}

export function deserializeModel(backend: Backend, bytes: Uint8Array, name = 'model'): LoadedModel {
  const fail = (code: string, msg: string): never => { throw new ModelFormatError(code, `${name}: ${msg}`); };
  if (bytes.length < 20) fail('MODEL_TRUNCATED', `${bytes.length} bytes is too short for a model file (at least 20)`);
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC[i]) fail('MODEL_MAGIC', 'not a simdnet model file (bad magic bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== MODEL_FORMAT_VERSION) fail('MODEL_VERSION', `format version ${version}; this build reads version ${MODEL_FORMAT_VERSION}`);
  const headerLength = view.getUint32(12, true);
  if (headerLength > MAX_HEADER) fail('MODEL_LIMIT', `header of ${headerLength} bytes exceeds the ${MAX_HEADER}-byte limit`);
  if (16 + headerLength + 4 > bytes.length) fail('MODEL_TRUNCATED', `header says ${headerLength} bytes but the file has ${bytes.length} bytes in all`);
  let header: { input?: unknown; loss?: unknown; init?: string; seed?: number; layers?: unknown; paramCount?: unknown; tensors?: unknown; metadata?: unknown };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)));
  } catch (e) {
    return fail('MODEL_HEADER', `the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || !Array.isArray(header.layers) || !Array.isArray(header.tensors)) {
    fail('MODEL_HEADER', 'the header lacks layers or tensors');
  }
  const paramCount = header.paramCount;
  if (!Number.isInteger(paramCount) || (paramCount as number) < 1) fail('MODEL_HEADER', `paramCount must be a positive integer, got ${JSON.stringify(paramCount)}`);
  if ((paramCount as number) > MAX_PARAMS) fail('MODEL_LIMIT', `${paramCount} parameters exceed the limit of ${MAX_PARAMS}`);
  const weightsAt = Math.ceil((16 + headerLength) / 4) * 4;
  const expected = weightsAt + 4 * (paramCount as number) + 4;
  if (bytes.length < expected) fail('MODEL_TRUNCATED', `expected ${expected} bytes for ${paramCount} parameters, found ${bytes.length}`);
  if (bytes.length > expected) fail('MODEL_SHAPE', `${bytes.length - expected} unexpected bytes after the checksum (expected ${expected} bytes)`);
  const stored = view.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) fail('MODEL_CHECKSUM', `checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)}): the file is damaged`);

  // Shapes: sizes within limits, layers that chain, and the parameter count they imply — all
  // checked before the network allocates anything.
  const input = header.input;
  const dims = Array.isArray(input) ? input : [input];
  if (!(dims.length === 1 || dims.length === 3) || !dims.every((d) => Number.isInteger(d) && (d as number) > 0)) fail('MODEL_SHAPE', `bad input ${JSON.stringify(input)}`);
  if (dims.some((d) => (d as number) > MAX_DIM)) fail('MODEL_LIMIT', `input ${JSON.stringify(input)} exceeds ${MAX_DIM} per dimension`);
  const json = { format: 'simdnet', version: 1, input, loss: header.loss, init: header.init, seed: header.seed, layers: header.layers } as NetworkJson;
  let specs: LayerSpec[];
  try {
    specs = (header.layers as Record<string, unknown>[]).map((l, i) => {
      for (const key of ['out', 'filters', 'size'] as const) {
        if (typeof l[key] === 'number' && (l[key] as number) > MAX_DIM) fail('MODEL_LIMIT', `layer ${i}: ${key} ${l[key]} exceeds ${MAX_DIM}`);
      }
      if (l.type === 'dense') return { type: 'dense', units: l.out, activation: l.activation } as LayerSpec;
      if (l.type === 'conv2d') return { type: 'conv2d', filters: l.filters, kernel: l.kernel, stride: l.stride, padding: l.padding, activation: l.activation } as LayerSpec;
      return { ...l } as unknown as LayerSpec;
    });
    const layers = buildLayers((Array.isArray(input) ? input : input) as number, specs, Number(header.seed ?? 1));
    const implied = layers.reduce((a, l) => a + l.params().reduce((b, p) => b + Math.ceil(p.shape.reduce((x, y) => x * y, 1) / 4) * 4, 0), 0);
    if (implied !== paramCount) fail('MODEL_SHAPE', `the layers need ${implied} parameters but the file holds ${paramCount}`);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    return fail('MODEL_SHAPE', (e as Error).message);
  }
  const weights = new Float32Array(paramCount as number);
  for (let i = 0; i < weights.length; i++) {
    const v = view.getFloat32(weightsAt + 4 * i, true);
    if (!Number.isFinite(v)) fail('MODEL_WEIGHTS', `weight ${i} is ${v}`);
    weights[i] = v;
  }
  let net: Network;
  try {
    net = new NetworkClass(backend, { input: input as number, loss: json.loss, init: json.init, seed: json.seed, layers: specs });
  } catch (e) {
    return fail('MODEL_SHAPE', (e as Error).message);
  }
  const tensors = JSON.stringify(net.tensors.map((t) => [t.name, t.offset, t.count]));
  const claimed = JSON.stringify((header.tensors as { name: string; offset: number; count: number }[]).map((t) => [t?.name, t?.offset, t?.count]));
  if (tensors !== claimed) fail('MODEL_SHAPE', 'the tensor table does not match the layers');
  net.setWeights(weights);
  const metadata = typeof header.metadata === 'object' && header.metadata !== null ? (header.metadata as Record<string, unknown>) : {};
  return { net, metadata };
}

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');
