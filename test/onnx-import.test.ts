// ONNX import: PyTorch's own exports (test/fixtures/onnx/, made by scripts/onnx-fixtures.py with
// torch.onnx.export, opset 13) reproduce PyTorch's outputs; export → import gives the same network
// and outputs; what our layers cannot express is refused with an error naming the operators and
// nodes; random graphs of supported operators import to exactly what onnxruntime computes, or are
// refused cleanly.
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { conv2d, dense, dropout, flatten, maxPool2d, reshape } from '../src/nn/layers/index';
import { CNN_PRESET } from '../src/cli/presets';
import { loadMnist } from '../src/data/mnist-node';
import { Rng } from '../src/rng';
import { ModelFormatError } from '../src/errors';
import { toOnnx, toOnnxModel } from '../src/onnx/export';
import { fromOnnx, importOnnx } from '../src/onnx/import';
import { nchwToNhwc } from '../src/onnx/layout';
import { encodeModel, DataType, type OnnxModel, type OnnxNode, type OnnxTensor } from '../src/onnx/onnx-proto';
import { refusal, relativeError, runOnnx } from './support/onnx';

const fixtures = new URL('./fixtures/onnx/', import.meta.url);
const f32 = (name: string) => {
  const b = readFileSync(new URL(name, fixtures));
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
interface Fixture { name: string; model: string; input: string; inputShape: number[]; output: string; outputShape: number[]; ends: string; ops: string }
const manifest: { torch: string; models: Fixture[] } = JSON.parse(readFileSync(new URL('manifest.json', fixtures), 'utf8'));


let backend: Backend;
beforeAll(async () => {
  backend = await createBackend();
});

describe('PyTorch models (torch.onnx.export, opset 13) reproduce PyTorch outputs within 1e-5', () => {
  it.each(manifest.models.map((m) => [m.name, m] as const))('%s', (_name, m) => {
    const { net, graphOutput, inputLayout } = importOnnx(backend, readFileSync(new URL(m.model, fixtures)));
    let x: Float32Array = f32(m.input);
    // An NCHW model of more than one channel takes our NHWC layout.
    if (inputLayout === 'nchw' && m.inputShape[1] > 1) x = nchwToNhwc(x, m.inputShape.slice(1) as [number, number, number]);
    const ours = net.predict(x);
    const torch = f32(m.output);
    const cols = m.outputShape[1];
    expect(graphOutput).toBe({ probabilities: 'softmax', 'log-probabilities': 'log-softmax', logits: 'raw' }[m.ends]);
    // LogSoftmax graphs: our predict() gives the probabilities; compare them as PyTorch's log.
    const err = relativeError(graphOutput === 'log-softmax' ? ours.map(Math.log) : ours, torch, cols);
    expect(err.norm, `${m.name}: ${JSON.stringify(err)}`).toBeLessThan(1e-5);
    // And the same classes.
    expect(Array.from(net.classify(x))).toEqual(Array.from({ length: m.outputShape[0] }, (_, r) => {
      const row = torch.subarray(r * cols, (r + 1) * cols);
      return row.indexOf(Math.max(...row));
    }));
    net.dispose();
  });

  it('reads what each graph holds into our layers (view() shape arithmetic, MatMul + Add, NHWC via Transpose, pads)', () => {
    const describe = (name: string) => {
      const { net } = importOnnx(backend, readFileSync(new URL(`${name}.onnx`, fixtures)));
      const d = net.describe();
      net.dispose();
      return d;
    };
    expect(describe('cnn-view')).toBe('28×28×1-conv5×5×8(relu)-pool2-conv3×3×16/2p1(relu)-10 softmax-cross-entropy, 9,226 parameters');
    expect(describe('cnn-flatten')).toBe('28×28×1-conv3×3×4(tanh)-pool2-16(relu)-10 mse, 11,042 parameters');
    expect(describe('mlp-logsoftmax')).toBe('784-24(tanh)-16(leaky-relu)-10 softmax-cross-entropy, 19,410 parameters');
    expect(describe('cnn-rgb-nhwc')).toBe('12×12×3-conv3×3×6(relu)-pool2-5 softmax-cross-entropy, 1,253 parameters');
  });

  it('an imported PyTorch CNN trains on (fine-tuning keeps it a classifier)', async () => {
    const net = fromOnnx(backend, readFileSync(new URL('cnn-view.onnx', fixtures)));
    const { train, test } = await loadMnist({ limit: 1000 });
    const before = net.evaluate(test).accuracy!;
    expect(before).toBeGreaterThan(0.8); // trained 300 steps in PyTorch
    await net.fit(train, { epochs: 1, batchSize: 32 });
    expect(net.evaluate(test).accuracy).toBeGreaterThan(before - 0.05);
    net.dispose();
  });
});

describe('export → import', () => {
  const cases: [string, () => Network][] = [
    ['MLP with dropout', () => new Network(backend, { input: 784, layers: [dense(64, 'relu'), dropout(0.2), dense(32, 'sigmoid'), dense(10)], init: 'he', seed: 1 })],
    ['the CNN preset', () => new Network(backend, { input: [28, 28, 1], layers: CNN_PRESET, init: 'he', seed: 2 })],
    ['3-channel CNN with explicit pads, flatten, leaky-relu, sigmoid-cross-entropy', () => new Network(backend, {
      input: [9, 8, 3], layers: [conv2d(4, 3, { padding: [1, 0, 0, 2], stride: 2, activation: 'relu' }), maxPool2d(2, { stride: 1 }), conv2d(3, 2, { padding: 'valid' }), flatten(), dense(5, 'leaky-relu'), dense(2)],
      loss: 'sigmoid-cross-entropy', init: 'he', seed: 3,
    })],
    ['flat input reshaped to an image, mse', () => new Network(backend, { input: 64, layers: [reshape([8, 8, 1]), conv2d(2, 3, { activation: 'tanh' }), dense(3)], loss: 'mse', seed: 4 })],
  ];

  it.each(cases)('%s: the same layers, weights and outputs (both output forms)', (_name, make) => {
    const net = make();
    const rng = new Rng(5);
    const x = Float32Array.from({ length: 7 * net.input }, () => rng.next());
    for (const output of ['probabilities', 'logits'] as const) {
      const back = fromOnnx(backend, toOnnx(net, { output }));
      // A flatten right before a dense layer comes back as the dense layer's own flattening.
      const same = net.specs.filter((s, i) => !(s.type === 'flatten' && net.specs[i + 1]?.type === 'dense'));
      expect(back.specs.map((s) => ({ ...s }))).toEqual(same.map((s) => ({ ...s })));
      expect(back.loss).toBe(net.loss);
      expect(back.inputShape).toEqual(net.inputShape);
      if (same.length === net.specs.length) expect(back.getWeights()).toEqual(net.getWeights());
      expect(back.predict(x)).toEqual(net.predict(x));
      back.dispose();
    }
    net.dispose();
  });

  it("a logits export of a softmax classifier imports as raw outputs (mse) when the metadata is gone, or with the loss asked for", () => {
    const net = new Network(backend, { input: 5, layers: [dense(3)], seed: 6 });
    const model = toOnnxModel(net, { output: 'logits' });
    model.metadata = {};
    const bytes = encodeModel(model);
    const x = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5]);
    const raw = importOnnx(backend, bytes);
    expect(raw.graphOutput).toBe('raw');
    expect(raw.net.loss).toBe('mse');
    const asked = fromOnnx(backend, bytes, { loss: 'softmax-cross-entropy' });
    expect(asked.predict(x)).toEqual(net.predict(x));
    expect(refusal(() => fromOnnx(backend, toOnnx(net), { loss: 'mse' })).message).toMatch(/ends in Softmax, which is softmax-cross-entropy's output; loss 'mse' would change its outputs/);
    for (const n of [net, raw.net, asked]) n.dispose();
  });
});

// --- refusals ---------------------------------------------------------------------------------

const node = (opType: string, inputs: string[], outputs: string[], name = opType.toLowerCase(), attributes: OnnxNode['attributes'] = []): OnnxNode => ({ name, opType, domain: '', inputs, outputs, attributes });
const floats = (name: string, dims: number[], fill = 0.1): OnnxTensor => ({ name, dims, dataType: DataType.FLOAT, floats: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(fill) });
function graphModel(nodes: OnnxNode[], initializers: OnnxTensor[], inputDims: (number | string)[] = ['N', 4], output = nodes[nodes.length - 1].outputs[0], opset = 13): Uint8Array {
  const model: OnnxModel = {
    irVersion: 7, opsets: [{ domain: '', version: opset }], producerName: 'test', producerVersion: '', docString: '', metadata: {},
    graph: { name: 'g', nodes, initializers, inputs: [{ name: 'x', elemType: DataType.FLOAT, dims: inputDims }], outputs: [{ name: output, elemType: DataType.FLOAT }], sparseInitializers: 0 },
  };
  return encodeModel(model);
}

describe('refusals name the operators and nodes', () => {
  it('lists every unsupported operator type with its nodes, and what is supported, before anything else', () => {
    const bytes = graphModel([
      node('Gemm', ['x', 'W', 'b'], ['h'], 'fc1'), node('BatchNormalization', ['h', 's', 'b2', 'm', 'v'], ['bn'], 'bn1'),
      node('LSTM', ['bn', 'W2', 'R'], ['l'], 'lstm'), node('BatchNormalization', ['l', 's', 'b2', 'm', 'v'], ['y'], 'bn2'),
      { ...node('Relu', ['y'], ['z'], 'custom_relu'), domain: 'com.example' },
    ], [floats('W', [4, 3]), floats('b', [3])]);
    const e = refusal(() => fromOnnx(backend, bytes));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.code).toBe('ONNX_UNSUPPORTED');
    expect(e.message).toMatch(/^ONNX model: unsupported operators: BatchNormalization \(nodes 'bn1', 'bn2'\); LSTM \(node 'lstm'\); com\.example\.Relu \(node 'custom_relu'\)\. simdnet imports Add, Concat, Constant, Conv, Dropout, Flatten, Gather, Gemm, Identity, LeakyRelu, LogSoftmax, MatMul, MaxPool, Relu, Reshape, Shape, Sigmoid, Softmax, Squeeze, Tanh, Transpose, Unsqueeze$/);
  });

  it.each([
    ['a residual branch', [node('Gemm', ['x', 'W', 'b'], ['h']), node('Relu', ['h'], ['r']), node('Add', ['r', 'h'], ['y'])], /Add \(node 'add'\): adds two computed values \(a residual connection\?\); simdnet adds only a constant, as a bias/],
    ['a branch', [node('Gemm', ['x', 'W', 'b'], ['h']), node('Relu', ['h'], ['r']), node('Gemm', ['h', 'W2', 'b2'], ['y'])], /Gemm \(node 'gemm'\): reads 'h', not the value before it: simdnet imports graphs that are one chain of operations/],
    ['an activation with no layer before it', [node('Relu', ['x'], ['r']), node('Gemm', ['r', 'W', 'b'], ['y'])], /Relu \(node 'relu'\): simdnet applies relu only as the activation of the dense \(Gemm\/MatMul\) or conv layer before it/],
    ['two activations in a row', [node('Gemm', ['x', 'W', 'b'], ['h']), node('Relu', ['h'], ['r']), node('Tanh', ['r'], ['y'])], /Tanh \(node 'tanh'\): .* which already has relu/],
    ['a Softmax inside the graph', [node('Gemm', ['x', 'W', 'b'], ['h']), node('Softmax', ['h'], ['s']), node('Gemm', ['s', 'W2', 'b2'], ['y'])], /Softmax \(node 'softmax'\): simdnet applies softmax only as the network's output/],
    ['weights computed from the input', [node('Gemm', ['x', 'x', 'b'], ['y'])], /Gemm \(node 'gemm'\): B \('x'\) must be a constant/],
    ['a LeakyRelu of another slope', [node('Gemm', ['x', 'W', 'b'], ['h']), node('LeakyRelu', ['h'], ['y'], 'lrelu', [{ name: 'alpha', type: 1, f: 0.2 }])], /LeakyRelu \(node 'lrelu'\): alpha 0\.2\d*: simdnet's leaky-relu has slope 0\.01/],
    ['a grouped conv', [node('Conv', ['x', 'K'], ['y'], 'conv', [{ name: 'group', type: 2, i: 2 }])], /Conv \(node 'conv'\): group 2: simdnet's conv2d has group 1/],
    ['a node without a name (named by its output)', [node('Conv', ['x', 'K'], ['feat'], '')], /^ONNX model: Conv \(the node making 'feat'\): W takes 1 input channels, its input has 2$/],
  ] as [string, OnnxNode[], RegExp][])('%s', (_what, nodes, message) => {
    const inits = [floats('W', [4, 3]), floats('b', [3]), floats('W2', [3, 2]), floats('b2', [2]), floats('K', [4, 1, 3, 3])];
    const inputDims = nodes[0].opType === 'Conv' ? ['N', 2, 5, 5] : ['N', 4];
    const e = refusal(() => fromOnnx(backend, graphModel(nodes, inits, inputDims)));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(message);
  });

  it('refuses NaN weights, a non-float input, two inputs, an unknown opset, and frees what it allocated', () => {
    const used = backend.heap.used;
    const gemm = [node('Gemm', ['x', 'W', 'b'], ['y'])];
    expect(refusal(() => fromOnnx(backend, graphModel(gemm, [floats('W', [4, 3], NaN), floats('b', [3])])))).toMatchObject({ code: 'MODEL_WEIGHTS' });
    expect(refusal(() => fromOnnx(backend, graphModel(gemm, [floats('W', [4, 3]), floats('b', [3])], ['N', 'F']))).message).toMatch(/input 'x' has shape \[N, F\]; simdnet needs/);
    expect(refusal(() => fromOnnx(backend, graphModel(gemm, [floats('W', [4, 3]), floats('b', [3])], ['N', 4], 'y', 6))).message).toMatch(/opset 6 of ai\.onnx; simdnet imports opsets 7 to 23/);
    expect(refusal(() => fromOnnx(backend, graphModel([node('Gemm', ['x', 'W', 'b'], ['y'])], [floats('W', [5, 3]), floats('b', [3])]))).message).toMatch(/B 'W' has dims \[5, 3\], expected \[4, 3\]/);
    expect(backend.heap.used).toBe(used);
  });
});

describe('large graphs take time in proportion to their size', () => {
  it('50,000 Identity nodes before a Softmax, and 2,000 dense layers, import in bounded time (nothing quadratic)', () => {
    const n = 50_000;
    const nodes = [node('Gemm', ['x', 'W', 'b'], ['i0']), ...Array.from({ length: n }, (_, i) => node('Identity', [`i${i}`], [`i${i + 1}`], `id${i}`)), node('Softmax', [`i${n}`], ['y'])];
    let t0 = performance.now();
    const wide = fromOnnx(backend, graphModel(nodes, [floats('W', [4, 3]), floats('b', [3])]));
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(wide.describe()).toBe('4-3 softmax-cross-entropy, 15 parameters');
    wide.dispose();
    const layers = 2000;
    const deep = Array.from({ length: layers }, (_, i) => [node('Flatten', [i ? `r${i - 1}` : 'x'], [`f${i}`], `flat${i}`), node('Gemm', [`f${i}`, 'W', 'b'], [`g${i}`], `fc${i}`), node('Relu', [`g${i}`], [`r${i}`], `relu${i}`)]).flat();
    t0 = performance.now();
    const tall = fromOnnx(backend, graphModel(deep, [floats('W', [4, 4]), floats('b', [4])]));
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(tall.specs).toHaveLength(layers);
    expect(tall.predict(new Float32Array(4).fill(1)).every(Number.isFinite)).toBe(true);
    tall.dispose();
  });
});

// --- differential fuzzing against onnxruntime --------------------------------------------------

/** A random chain of supported operators on a small image or flat input (often invalid on purpose). */
const randomGraph = fc.record({
  image: fc.boolean(),
  channels: fc.integer({ min: 1, max: 3 }),
  size: fc.integer({ min: 3, max: 7 }),
  ops: fc.array(fc.record({
    op: fc.constantFrom('Conv', 'MaxPool', 'Relu', 'Tanh', 'Sigmoid', 'Flatten', 'Gemm', 'MatMul', 'Add', 'Transpose', 'Reshape', 'Identity', 'Dropout', 'Softmax'),
    k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 2 }), pad: fc.integer({ min: 0, max: 2 }), units: fc.integer({ min: 1, max: 4 }), flag: fc.boolean(),
  }), { minLength: 1, maxLength: 6 }),
  seed: fc.integer({ min: 1, max: 1000 }),
});

function buildRandom(g: typeof randomGraph extends fc.Arbitrary<infer T> ? T : never): { bytes: Uint8Array; dims: number[] } {
  const rng = new Rng(g.seed);
  const inits: OnnxTensor[] = [];
  const nodes: OnnxNode[] = [];
  const dims = g.image ? [g.channels, g.size, g.size] : [g.channels * g.size];
  let cur = 'x', shape = [...dims], i = 0;
  const t = (d: number[]) => { const name = `t${inits.length}`; inits.push({ name, dims: d, dataType: DataType.FLOAT, floats: Float32Array.from({ length: d.reduce((a, b) => a * b, 1) }, () => rng.next() - 0.5) }); return name; };
  const ints = (v: number[]) => { const name = `t${inits.length}`; inits.push({ name, dims: [v.length], dataType: DataType.INT64, ints: v }); return name; };
  for (const o of g.ops) {
    const out = `v${i++}`;
    const ins = [cur];
    const attrs: OnnxNode['attributes'] = [];
    const c = shape[0];
    switch (o.op) {
      case 'Conv': ins.push(t([o.units, c, o.k, o.k]), t([o.units])); attrs.push({ name: 'strides', type: 7, ints: [o.stride, o.stride] }, { name: 'pads', type: 7, ints: [o.pad, o.pad, o.flag ? o.pad : 0, o.pad] }); break;
      case 'MaxPool': attrs.push({ name: 'kernel_shape', type: 7, ints: [o.k, o.k] }, { name: 'strides', type: 7, ints: [o.stride, o.stride] }); break;
      case 'Gemm': ins.push(t(o.flag ? [o.units, shape[0]] : [shape[0], o.units]), t([o.units])); attrs.push({ name: 'transB', type: 2, i: o.flag ? 1 : 0 }); break;
      case 'MatMul': ins.push(t([shape[0], o.units])); break;
      case 'Add': ins.push(t(shape.length === 3 ? [shape[0], 1, 1] : [shape[0]])); break;
      case 'Transpose': attrs.push({ name: 'perm', type: 7, ints: o.flag ? [0, 2, 3, 1] : [0, 3, 1, 2] }); break;
      case 'Reshape': ins.push(ints(o.flag ? [0, -1] : [-1, 1, shape.reduce((a, b) => a * b, 1), 1])); break;
      case 'Dropout': ins.push(t([])); inits[inits.length - 1].floats![0] = 0.25; break;
    }
    nodes.push(node(o.op, ins, [out], `n${i}`, attrs));
    cur = out;
    // A rough shape guess for the next weights (wrong guesses make invalid graphs: refused by both).
    if (o.op === 'Conv' && shape.length === 3) shape = [o.units, Math.floor((shape[1] + o.pad * 2 - o.k) / o.stride) + 1, Math.floor((shape[2] + o.pad * 2 - o.k) / o.stride) + 1];
    else if (o.op === 'MaxPool' && shape.length === 3) shape = [shape[0], Math.floor((shape[1] - o.k) / o.stride) + 1, Math.floor((shape[2] - o.k) / o.stride) + 1];
    else if (o.op === 'Flatten' || (o.op === 'Reshape' && o.flag)) shape = [shape.reduce((a, b) => a * b, 1)];
    else if (o.op === 'Gemm' || o.op === 'MatMul') shape = [o.units];
  }
  return { bytes: graphModel(nodes, inits, ['N', ...dims], cur), dims };
}

describe('random graphs of supported operators (fast-check), against onnxruntime-node', () => {
  it('300 graphs: imported ones compute what onnxruntime computes (1e-5); the rest are refused with a ModelFormatError', async () => {
    let imported = 0, refused = 0;
    await fc.assert(
      fc.asyncProperty(randomGraph, async (g) => {
        const { bytes, dims } = buildRandom(g);
        let result;
        try {
          result = importOnnx(backend, bytes);
        } catch (e) {
          if (!(e instanceof ModelFormatError)) throw e;
          refused++;
          return;
        }
        const rng = new Rng(g.seed + 1);
        const x = Float32Array.from({ length: 3 * dims.reduce((a, b) => a * b, 1) }, () => rng.next());
        const theirs = await runOnnx('onnxruntime-node', bytes, x, [3, ...dims]).catch(() => undefined);
        const { net, inputLayout } = result;
        if (theirs) {
          const ours = net.predict(inputLayout === 'nchw' ? nchwToNhwc(x, dims as [number, number, number]) : x);
          const expected = result.graphOutput === 'log-softmax' ? theirs.map(Math.exp) : theirs;
          expect(relativeError(ours, expected, net.outputs).norm).toBeLessThan(1e-5);
          imported++;
        }
        net.dispose();
      }),
      { numRuns: 300, seed: 21 },
    );
    expect(imported).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  });
});
