// The ONNX protobuf reader and writer (src/onnx/proto.ts, src/onnx/onnx-proto.ts): the wire format
// against hand-made bytes, the limits, and fuzzing: whatever the bytes, decodeModel and importOnnx
// return a result or throw a ModelFormatError, never another exception, and a refused import
// leaves the heap as it was.
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { ProtoReader, ProtoWriter } from '../src/onnx/proto';
import { decodeModel, encodeModel, DataType, type OnnxModel, type OnnxTensor } from '../src/onnx/onnx-proto';
import { importOnnx } from '../src/onnx/import';
import { toOnnx } from '../src/onnx/export';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { conv2d, dense, dropout, maxPool2d } from '../src/nn/layers/index';
import { ModelFormatError } from '../src/errors';
import { refusal } from './support/onnx';

const bytes = (...b: number[]) => Uint8Array.from(b);

/** A model with one graph of `nodes` and `initializers` around an input [N, 4]. */
function model(initializers: OnnxTensor[], extra: Partial<OnnxModel['graph']> = {}): OnnxModel {
  return {
    irVersion: 7, opsets: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '', docString: '', metadata: {},
    graph: {
      name: 'g', nodes: [{ name: 'fc', opType: 'Gemm', domain: '', inputs: ['x', 'W', 'b'], outputs: ['y'], attributes: [] }],
      initializers, inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: ['N', 4] }], outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: ['N', 2] }],
      sparseInitializers: 0, ...extra,
    },
  };
}
const W = (): OnnxTensor => ({ name: 'W', dims: [4, 2], dataType: DataType.FLOAT, floats: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
const b = (): OnnxTensor => ({ name: 'b', dims: [2], dataType: DataType.FLOAT, floats: Float32Array.from([0.5, -0.5]) });

describe('protobuf wire format', () => {
  it('varints: unsigned up to 2^53 − 1, int64 two\'s complement (−1 is 10 bytes)', () => {
    expect(new ProtoReader(bytes(0xac, 0x02), 't').varint()).toBe(300);
    const w = new ProtoWriter().int(1, -1).int(2, 2 ** 53 - 1).int(3, -(2 ** 40));
    const r = new ProtoReader(w.finish(), 't');
    const read: number[] = [];
    while (!r.done) { r.tag(); read.push(r.int64()); }
    expect(read).toEqual([-1, 2 ** 53 - 1, -(2 ** 40)]);
    expect(new ProtoWriter().int(1, -1).finish().length).toBe(11);
  });

  it('refuses varints past 64 bits or 10 bytes, and int64 values a number cannot hold exactly', () => {
    expect(refusal(() => new ProtoReader(bytes(...new Array(10).fill(0xff), 0x01), 't').varint()).message).toMatch(/longer than 10 bytes/);
    expect(refusal(() => new ProtoReader(bytes(...new Array(9).fill(0xff), 0x02), 't').int64()).message).toMatch(/overflows 64 bits/);
    expect(refusal(() => new ProtoReader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10), 't').int64()).message).toMatch(/outside ±\(2\^53 − 1\)/); // 2^53
    expect(refusal(() => new ProtoReader(bytes(0x80, 0x80), 't').varint())).toMatchObject({ code: 'MODEL_TRUNCATED' });
  });

  it('refuses groups, unknown wire types, field 0, and a length past the end, before slicing', () => {
    expect(refusal(() => new ProtoReader(bytes(0x0b), 't').tag()).message).toMatch(/field 1 is a group/);
    expect(refusal(() => new ProtoReader(bytes(0x0e), 't').tag()).message).toMatch(/wire type 6, which does not exist/);
    expect(refusal(() => new ProtoReader(bytes(0x02), 't').tag()).message).toMatch(/field number 0/);
    const r = new ProtoReader(bytes(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2), 't');
    r.tag();
    const e = refusal(() => r.bytesField());
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e).toMatchObject({ code: 'MODEL_TRUNCATED' });
    expect(e.message).toMatch(/a field of 4294967295 bytes \(2 left\)/);
  });
});

describe('ONNX messages', () => {
  it('encode → decode keeps a model (raw_data floats and int64s, attributes, shapes, metadata)', () => {
    const m = model([W(), b(), { name: 'shape', dims: [2], dataType: DataType.INT64, ints: [-1, 4] }]);
    m.graph.nodes[0].attributes = [{ name: 'transB', type: 2, i: 0 }, { name: 'alpha', type: 1, f: 1.5 }, { name: 'perm', type: 7, ints: [0, -1] }];
    m.metadata = { 'simdnet.loss': 'mse' };
    expect(decodeModel(encodeModel(m))).toEqual(m);
  });

  it('reads float_data, double_data and int64_data, packed or one value per field', () => {
    const tensor = (f: (w: ProtoWriter) => void, dims: number[], type: number) => {
      const t = new ProtoWriter().packedInts(1, dims).int(2, type).string(8, 't');
      f(t);
      const g = new ProtoWriter().message(5, t);
      return decodeModel(new ProtoWriter().message(7, g).finish()).graph.initializers[0];
    };
    expect(tensor((w) => w.packedFloats(4, [1, 2, 3]), [3], DataType.FLOAT).floats).toEqual(Float32Array.from([1, 2, 3]));
    expect(tensor((w) => w.float(4, 1).float(4, 2.5), [2], DataType.FLOAT).floats).toEqual(Float32Array.from([1, 2.5]));
    const dbl = new Uint8Array(16);
    new DataView(dbl.buffer).setFloat64(0, 0.1, true);
    new DataView(dbl.buffer).setFloat64(8, -3, true);
    expect(tensor((w) => w.bytes(10, dbl), [2], DataType.DOUBLE).floats).toEqual(Float32Array.from([0.1, -3]));
    expect(tensor((w) => w.packedInts(7, [-1, 784]), [2], DataType.INT64).ints).toEqual([-1, 784]);
    expect(tensor((w) => w.int(7, 5).int(7, -2), [2], DataType.INT64).ints).toEqual([5, -2]);
    expect(refusal(() => tensor((w) => w.packedFloats(4, [1, 2]), [3], DataType.FLOAT)).message).toMatch(/dims \[3\] need 3 values, the data holds 2/);
  });

  it('a tiny file claiming a huge tensor is refused from its dims, before allocating', () => {
    const t = new ProtoWriter().packedInts(1, [1e6, 1e6]).int(2, DataType.FLOAT).string(8, 'huge').bytes(9, new Uint8Array(8));
    const file = new ProtoWriter().message(7, new ProtoWriter().message(5, t)).finish();
    expect(file.length).toBeLessThan(50);
    const e = refusal(() => decodeModel(file));
    expect(e).toMatchObject({ code: 'MODEL_LIMIT' });
    expect(e.message).toMatch(/'huge': dims \[1000000, 1000000\] hold more than 100000000 elements/);
  });

  it('limits the messages, strings and list values a file may make (maxItems)', () => {
    const g = new ProtoWriter();
    for (let i = 0; i < 2000; i++) g.message(1, new ProtoWriter().string(4, 'Relu'));
    const file = new ProtoWriter().message(7, g).finish();
    expect(decodeModel(file).graph.nodes).toHaveLength(2000);
    expect(refusal(() => decodeModel(file, { maxItems: 1000 })).message).toMatch(/more than 1000 messages, strings and list values/);
  });

  it('refuses external data clearly', () => {
    const t = new ProtoWriter().packedInts(1, [2]).int(2, DataType.FLOAT).string(8, 'w').message(13, new ProtoWriter().string(1, 'location').string(2, 'w.bin')).int(14, 1);
    const e = refusal(() => decodeModel(new ProtoWriter().message(7, new ProtoWriter().message(5, t)).finish()));
    expect(e).toMatchObject({ code: 'ONNX_UNSUPPORTED' });
    expect(e.message).toMatch(/'w': the tensor's data is in an external file; simdnet reads self-contained models only/);
  });

  it('refuses what is not an ONNX model', () => {
    expect(refusal(() => decodeModel(new Uint8Array(0)))).toMatchObject({ code: 'MODEL_TRUNCATED' });
    expect(refusal(() => decodeModel(new TextEncoder().encode('{"format":"simdnet"}')))).toBeInstanceOf(ModelFormatError);
    expect(refusal(() => decodeModel(bytes(0x08, 0x07))).message).toMatch(/no graph/);
    expect(refusal(() => decodeModel('model.onnx' as unknown as Uint8Array)).message).toMatch(/expected the model's bytes \(a Uint8Array\), got string/);
  });
});

describe('fuzzing (fast-check): only ModelFormatErrors, never a crash', () => {
  let backend: Backend;
  let valid: Uint8Array[];
  beforeAll(async () => {
    backend = await createBackend('wasm-simd');
    const cnn = new Network(backend, { input: [6, 6, 2], layers: [conv2d(3, 3, { activation: 'relu', stride: 2, padding: [1, 0, 0, 1] }), maxPool2d(2, { stride: 1 }), dropout(0.3), dense(4, 'tanh'), dense(3)], seed: 2 });
    const mlp = new Network(backend, { input: 5, layers: [dense(4, 'sigmoid'), dense(2)], loss: 'sigmoid-cross-entropy', seed: 3 });
    valid = [toOnnx(cnn), toOnnx(mlp, { output: 'logits' }), readFileSync(new URL('./fixtures/onnx/cnn-view.onnx', import.meta.url))];
    cnn.dispose();
    mlp.dispose();
  });

  /** Imports, and checks the outcome: a network with finite outputs, or a ModelFormatError and no memory kept. */
  function check(file: Uint8Array) {
    const used = backend.heap.used;
    let net;
    try {
      net = importOnnx(backend, file, { maxParams: 1e6 }).net;
    } catch (e) {
      if (!(e instanceof ModelFormatError)) throw e;
      expect(e.message).toMatch(/^ONNX model: /);
      expect(backend.heap.used).toBe(used);
      return;
    }
    const out = net.predict(new Float32Array(net.input).fill(0.5));
    expect(out.every(Number.isFinite)).toBe(true);
    net.dispose();
  }

  const mutated = fc
    .record({
      which: fc.integer({ min: 0, max: 2 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.option(fc.nat()),
      insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
    })
    .map(({ which, edits, cut, insert }) => {
      let f = valid[which].slice();
      for (const [at, v] of edits) f[at % f.length] = v;
      if (insert) {
        const at = insert[0] % f.length;
        f = Uint8Array.from([...f.subarray(0, at), ...insert[1], ...f.subarray(at)]);
      }
      return cut === null ? f : f.slice(0, cut % (f.length + 1));
    });

  it('3,000 mutated models (byte edits, insertions, truncations) import or give a ModelFormatError', () => {
    fc.assert(fc.property(mutated, check), { numRuns: 3_000, seed: 11 });
  });

  it('every truncation of a model is refused (ModelFormatError) or imports', () => {
    const f = valid[0];
    for (let n = 0; n < f.length; n += Math.max(1, Math.floor(n / 50))) check(f.subarray(0, n));
  });

  it('5,000 random byte strings give a ModelFormatError from decodeModel', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decodeModel(b);
        } catch (e) {
          if (!(e instanceof ModelFormatError)) throw e;
        }
      }),
      { numRuns: 5_000, seed: 12 },
    );
  });
});
