// The ONNX table (src/onnx/layers/) covers every layer type of LAYER_TYPES, and a layer type that
// cannot be exported says so in a clear error.
import { describe, it, expect } from 'vitest';
import { LAYER_TYPES, eurnnClassifier } from '../src/nn/layers/index';
import { ONNX_LAYERS, ONNX_OPS } from '../src/onnx/layers/index';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { toOnnx } from '../src/onnx/export';
import { ModelFormatError } from '../src/errors';

describe('the ONNX layer table', () => {
  it('has an entry (an export or a refusal) for every layer type, keyed like LAYER_TYPES', () => {
    expect(Object.keys(ONNX_LAYERS).sort()).toEqual(Object.keys(LAYER_TYPES).sort());
    for (const entry of Object.values(ONNX_LAYERS)) expect(typeof entry.export).toBe('function');
  });

  it('imports the operators the issue lists, and each comes from one place', () => {
    for (const op of ['Gemm', 'MatMul', 'Add', 'Relu', 'Tanh', 'Sigmoid', 'Softmax', 'LogSoftmax', 'Conv', 'MaxPool', 'Flatten', 'Reshape', 'Transpose', 'Identity', 'Dropout', 'Constant']) {
      expect(ONNX_OPS).toHaveProperty(op);
    }
    const owners = Object.values(ONNX_LAYERS).flatMap((l) => Object.keys(l.imports ?? {}));
    expect(new Set(owners).size).toBe(owners.length);
  });

  it('refuses the EURNN layer with an error that says why and what to do', async () => {
    const net = new Network(await createBackend('js'), { input: [4, 1], layers: eurnnClassifier(8, { capacity: 2, classes: 3 }), seed: 1 });
    let caught: unknown;
    try {
      toOnnx(net);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ModelFormatError);
    expect(caught).toMatchObject({ code: 'ONNX_UNSUPPORTED' });
    expect((caught as Error).message).toMatch(/^eurnn0: the EURNN layer cannot be exported to ONNX: its recurrence would need a Scan or Loop graph, which simdnet does not write; save it as a simdnet model instead$/);
  });
});
