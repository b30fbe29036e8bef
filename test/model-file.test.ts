import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network, serializeModel, deserializeModel, saveModel, loadModel } from '../src/io/network';
import { dense, conv2d, maxPool2d } from '../src/nn/layers/index';
import { crc32, MODEL_FORMAT_VERSION } from '../src/io/model-file';
import { ModelFormatError } from '../src/errors';
import { Rng } from '../src/rng';

const CODES = ['MODEL_TRUNCATED', 'MODEL_MAGIC', 'MODEL_VERSION', 'MODEL_HEADER', 'MODEL_SHAPE', 'MODEL_LIMIT', 'MODEL_CHECKSUM', 'MODEL_WEIGHTS'];
const inputs = (n: number, size: number) => { const r = new Rng(9); return Float32Array.from({ length: n * size }, () => r.next()); };
/** Rewrites the trailing CRC so a deliberate edit reaches the checks behind the checksum. */
const fixCrc = (b: Uint8Array) => { new DataView(b.buffer, b.byteOffset).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true); return b; };
/** Rebuilds the file around an edited header (new length, weights moved to the new aligned offset, checksum fixed). */
const setHeader = (b: Uint8Array, edit: (h: Record<string, unknown>) => void) => {
  const view = new DataView(b.buffer, b.byteOffset);
  const len = view.getUint32(12, true);
  const h = JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + len)));
  edit(h);
  const text = new TextEncoder().encode(JSON.stringify(h));
  const oldAt = Math.ceil((16 + len) / 4) * 4, newAt = Math.ceil((16 + text.length) / 4) * 4;
  const weights = b.subarray(oldAt, b.length - 4);
  const out = new Uint8Array(newAt + weights.length + 4);
  out.set(b.subarray(0, 12));
  new DataView(out.buffer).setUint32(12, text.length, true);
  out.set(text, 16);
  out.set(weights, newAt);
  return fixCrc(out);
};

describe('binary model files', () => {
  let wasm: Backend, js: Backend, net: Network, bytes: Uint8Array;
  beforeAll(async () => {
    [wasm, js] = [await createBackend('wasm-simd'), await createBackend('js')];
    net = new Network(wasm, { input: 20, layers: [dense(7, 'tanh'), dense(3)], init: 'glorot', seed: 4 });
    bytes = serializeModel(net, { note: 'test' });
  });

  it('round-trips to identical weights and predictions, on the same and the other backend', () => {
    expect([MODEL_FORMAT_VERSION, new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)]).toEqual([2, 2]);
    for (const b of [wasm, js]) {
      const { net: copy, metadata } = deserializeModel(b, bytes);
      expect(copy.getWeights()).toEqual(net.getWeights());
      expect(metadata).toEqual({ note: 'test' });
      const x = inputs(5, 20);
      if (b === wasm) expect(copy.predict(x)).toEqual(net.predict(x));
      else copy.predict(x).forEach((v, i) => expect(v).toBeCloseTo(net.predict(x)[i], 6));
    }
  });

  it('Network.serialize / Network.deserialize are the same format', () => {
    expect(Network.deserialize(wasm, net.serialize({ note: 'test' })).getWeights()).toEqual(net.getWeights());
  });

  it('round-trips a conv network', () => {
    const cnn = new Network(wasm, { input: [8, 8, 1], layers: [conv2d(3, 3, { activation: 'relu' }), maxPool2d(2), dense(4)], init: 'he', seed: 2 });
    const copy = deserializeModel(wasm, serializeModel(cnn)).net;
    const x = inputs(2, 64);
    expect(copy.predict(x)).toEqual(cnn.predict(x));
  });

  it('saveModel/loadModel through files, binary and JSON; a failed save leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-model-'));
    await saveModel(net, join(dir, 'm.simdnet'));
    await saveModel(net, join(dir, 'm.json'));
    expect((await loadModel(wasm, join(dir, 'm.simdnet'))).net.getWeights()).toEqual(net.getWeights());
    expect((await loadModel(wasm, join(dir, 'm.json'))).net.getWeights()).toEqual(net.getWeights());
    // Saving over a directory fails at the rename: the directory and its content stay, no temp file is left.
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'keep'), 'x');
    await expect(saveModel(net, join(dir, 'taken'))).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['m.json', 'm.simdnet', 'taken']);
    expect(readFileSync(join(dir, 'taken', 'keep'), 'utf8')).toBe('x');
    await expect(loadModel(wasm, join(dir, 'missing'))).rejects.toThrow(/missing: cannot read the model/);
  });

  it.each([
    ['a flipped magic byte', (b: Uint8Array) => { const c = b.slice(); c[0] ^= 1; return c; }, 'MODEL_MAGIC', /not a simdnet model file/],
    ['version 3', (b: Uint8Array) => { const c = b.slice(); c[8] = 3; return fixCrc(c); }, 'MODEL_VERSION', /format version 3; this build reads versions 1 and 2/],
    ['truncated in the header', (b: Uint8Array) => b.slice(0, 30), 'MODEL_TRUNCATED', /header says \d+ bytes but the file has 30 bytes/],
    ['truncated in the weights', (b: Uint8Array) => b.slice(0, b.length - 40), 'MODEL_TRUNCATED', /expected \d+ bytes for \d+ parameters, found/],
    ['truncated checksum', (b: Uint8Array) => b.slice(0, b.length - 2), 'MODEL_TRUNCATED', /expected/],
    ['a header that is not JSON', (b: Uint8Array) => { const c = b.slice(); c[16] = 0x21; return fixCrc(c); }, 'MODEL_HEADER', /not valid UTF-8 JSON/],
    ['more parameters than bytes', (b: Uint8Array) => setHeader(b, (h) => { h.paramCount = (h.paramCount as number) + 100; }), 'MODEL_TRUNCATED', /parameters, found/],
    ['a billion parameters', (b: Uint8Array) => setHeader(b, (h) => { h.paramCount = 1e9; }), 'MODEL_LIMIT', /1000000000 parameters exceed the limit/],
    ['layers that do not match the weights', (b: Uint8Array) => setHeader(b, (h) => { (h.layers as { units: number }[])[0].units = 6; }), 'MODEL_SHAPE', /layers need \d+ parameters but the file holds/],
    ['a huge layer', (b: Uint8Array) => setHeader(b, (h) => { (h.layers as { units: number }[])[0].units = 5e8; }), 'MODEL_LIMIT', /the layers need \d+ parameters, more than the limit of 100000000/],
    ['a flipped weight bit', (b: Uint8Array) => { const c = b.slice(); c[c.length - 20] ^= 0x10; return c; }, 'MODEL_CHECKSUM', /checksum mismatch .* the file is damaged/],
    ['a NaN weight with a valid checksum', (b: Uint8Array) => { const c = b.slice(); new DataView(c.buffer).setFloat32(c.length - 8, NaN, true); return fixCrc(c); }, 'MODEL_WEIGHTS', /weight \d+ is NaN/],
  ])('refuses %s (%s)', (_what, corrupt, code, message) => {
    let err: unknown;
    try { deserializeModel(wasm, corrupt(bytes), 'm.simdnet'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ModelFormatError);
    expect((err as ModelFormatError).code).toBe(code);
    expect((err as Error).message).toMatch(/^m\.simdnet: /);
    expect((err as Error).message).toMatch(message);
  });

  it('fuzzing: 10,000 mutated files (half with a recomputed checksum) load or fail with a documented code', () => {
    const heap = wasm.heap;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat()), fc.boolean(),
        (edits, cut, recrc) => {
          let b: Uint8Array = bytes.slice();
          for (const [at, v] of edits) b[at % b.length] = v;
          if (cut !== null) b = b.slice(0, cut % (b.length + 1));
          if (recrc && b.length >= 4) b = fixCrc(b);
          const used = heap.used;
          try {
            const { net: loaded } = deserializeModel(wasm, b, 'fuzz');
            expect(loaded.paramCount * 4).toBeLessThan(b.length); // no allocation beyond what the file holds
            loaded.dispose();
          } catch (e) {
            expect(e).toBeInstanceOf(ModelFormatError);
            expect(CODES).toContain((e as ModelFormatError).code);
          }
          expect(heap.used).toBe(used); // a failed load leaves nothing behind; a disposed network neither
        },
      ),
      { numRuns: 10_000, seed: 4 },
    );
  });
});

describe('net.save(path) / Network.load(path)', () => {
  it('round-trips to identical predictions (binary and JSON), with the default backend when none is given', async () => {
    const backend = await createBackend('wasm-simd');
    const net = new Network(backend, { input: [6, 6, 1], layers: [conv2d(3, 3, { activation: 'relu' }), maxPool2d(2), dense(5)], init: 'he', seed: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-netsave-'));
    const x = Float32Array.from({ length: 2 * 36 }, (_, i) => (i % 11) / 11);
    await net.save(join(dir, 'm.simdnet'), { purpose: 'test' });
    await net.save(join(dir, 'm.json'));
    const a = await Network.load(join(dir, 'm.simdnet'), backend);
    const b = await Network.load(join(dir, 'm.json'), backend);
    expect(Array.from(a.predict(x))).toEqual(Array.from(net.predict(x)));
    expect(Array.from(b.predict(x))).toEqual(Array.from(net.predict(x)));
    const c = await Network.load(join(dir, 'm.simdnet'));
    expect(c.describe()).toBe(net.describe());
    expect(readdirSync(dir).sort()).toEqual(['m.json', 'm.simdnet']); // no temporary files left
    await expect(Network.load(join(dir, 'missing.simdnet'))).rejects.toMatchObject({ code: 'MODEL_READ' });
  });

  it('says it needs Node when process.getBuiltinModule is missing (as in a browser)', async () => {
    const backend = await createBackend('js');
    const net = new Network(backend, { input: 3, layers: [dense(2)], seed: 1 });
    const original = process.getBuiltinModule;
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    try {
      await expect(net.save('/tmp/never.simdnet')).rejects.toMatchObject({ code: 'NODE_ONLY', message: expect.stringMatching(/needs Node\.js.*net\.serialize\(\)/) });
      await expect(Network.load('/tmp/never.simdnet', backend)).rejects.toMatchObject({ code: 'NODE_ONLY' });
    } finally {
      process.getBuiltinModule = original;
    }
  });
});
