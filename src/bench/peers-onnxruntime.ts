// ONNX Runtime beside ours for inference (onnxruntime-node in Node, onnxruntime-web's WASM backend
// in the demo page), one thread, on the inference MLP (784-128 ReLU-10, softmax) with He-normal
// weights, given to it as a small ONNX graph: MatMul, Add, Relu, MatMul, Add, Softmax (opset 13).
// The graph is written by mlpOnnx below, a few protobuf fields by hand: once ONNX export lands in
// src/onnx, toOnnx(network) can take its place.
import { DENSE_IMAGE, floatImages, type Prepared } from './cases';
import type { Peer } from './peers';
import { Rng } from '../rng';

// onnxruntime's API, loosely typed (an optional peer; -node and -web share this surface).
/** The onnxruntime namespace (InferenceSession, Tensor). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OnnxRuntime = any;

// --- a minimal protobuf writer for the one graph ----------------------------------------------------
const utf8 = new TextEncoder();
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}
type Field = number[];
const int = (field: number, n: number): Field => [...varint(field << 3), ...varint(n)];
const bytes = (field: number, b: ArrayLike<number>): Field => [...varint((field << 3) | 2), ...varint(b.length), ...Array.from(b)];
const str = (field: number, s: string) => bytes(field, utf8.encode(s));
const msg = (field: number, ...parts: Field[]) => bytes(field, parts.flat());

const FLOAT = 1;
/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian floats). */
const initializer = (name: string, dims: number[], values: Float32Array) =>
  msg(5, ...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)));
/** ValueInfoProto: name (1), type (2) → tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_param (2) | dim_value (1). */
const valueInfo = (field: number, name: string, dims: (number | string)[]) =>
  msg(field, str(1, name), msg(2, msg(1, int(1, FLOAT), msg(2, ...dims.map((d) => msg(1, typeof d === 'string' ? str(2, d) : int(1, d)))))));
/** NodeProto: input (1), output (2), name (3), op_type (4). */
const node = (op: string, inputs: string[], output: string) => msg(1, ...inputs.map((i) => str(1, i)), str(2, output), str(3, output), str(4, op));

/** The MLP x [N, 784] → softmax [N, 10] as ONNX bytes (ModelProto: ir_version 7, opset 13). */
export function mlpOnnx(seed = 1): Uint8Array {
  const rng = new Rng(seed);
  const he = (fanIn: number, n: number) => Float32Array.from({ length: n }, () => rng.normal() * Math.sqrt(2 / fanIn));
  const graph = [
    node('MatMul', ['x', 'W0'], 'h0'), node('Add', ['h0', 'b0'], 'h1'), node('Relu', ['h1'], 'h2'),
    node('MatMul', ['h2', 'W1'], 'h3'), node('Add', ['h3', 'b1'], 'logits'), node('Softmax', ['logits'], 'probabilities'),
    str(2, 'mlp'),
    initializer('W0', [784, 128], he(784, 784 * 128)), initializer('b0', [128], new Float32Array(128)),
    initializer('W1', [128, 10], he(128, 1280)), initializer('b1', [10], new Float32Array(10)),
    valueInfo(11, 'x', ['N', 784]), valueInfo(12, 'probabilities', ['N', 10]),
  ];
  return Uint8Array.from([...int(1, 7), ...str(2, 'simdnet bench'), ...msg(7, ...graph), ...msg(8, str(1, ''), int(2, 13))]);
}

// --- the peer -----------------------------------------------------------------------------------------
/** onnxruntime as a peer: `backend` is 'onnxruntime-node' or 'onnxruntime-web'; `options` its one-thread session options. */
export function onnxruntimePeer(ort: OnnxRuntime, backend: string, options: Record<string, unknown>, version: string): Peer {
  const model = mlpOnnx();
  return {
    engine: 'onnxruntime',
    backend,
    note: `${backend} ${version}, 1 thread`,
    async prepare(c, data) {
      if (!c.id.startsWith('mlp-')) return undefined;
      const session = await ort.InferenceSession.create(model, options);
      const infer = (x: Float32Array, rows: number) => session.run({ x: new ort.Tensor('float32', x, [rows, 784]) });
      const dispose = () => void session.release();
      if (c.id === 'mlp-10k') {
        const all = Float32Array.from(data.test.x as Uint8Array, (v) => v / 255);
        return { run: (items) => infer(all.subarray(0, items * 784), items), dispose } satisfies Prepared;
      }
      const images = c.id === 'mlp-1-dense' ? [DENSE_IMAGE] : floatImages(data.test, 1000);
      let next = 0;
      return { run: async (calls) => { for (let i = 0; i < calls; i++) await infer(images[next++ % images.length], 1); }, dispose } satisfies Prepared;
    },
  };
}
