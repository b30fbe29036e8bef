// The JSON model loader refuses non-finite numbers, wrong types and lying sizes before it
// allocates anything, always with a ModelFormatError naming the layer and field; fuzzed.
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { dense, conv2d, maxPool2d, dropout, flatten, eurnnClassifier } from '../src/nn/layers/index';
import { ModelFormatError } from '../src/errors';
import { Rng } from '../src/rng';

let backend: Backend;
const models: Record<string, string> = {};
beforeAll(async () => {
  backend = await createBackend('wasm-simd');
  models.mlp = JSON.stringify(new Network(backend, { input: 6, layers: [dense(4, 'tanh'), dense(3)], seed: 1 }).toJSON());
  models.cnn = JSON.stringify(new Network(backend, { input: [6, 6, 1], layers: [conv2d(2, 3, { activation: 'relu' }), maxPool2d(2), dropout(0.1), flatten(), dense(3)], seed: 2 }).toJSON());
  models.eurnn = JSON.stringify(new Network(backend, { input: [5, 1], layers: eurnnClassifier(4, { capacity: 1, classes: 3 }), seed: 3 }).toJSON());
});

const load = (json: unknown) => Network.fromJSON(backend, json);
const refusal = (json: unknown): ModelFormatError => {
  try {
    load(json).dispose();
  } catch (e) {
    return e as ModelFormatError;
  }
  throw new Error('loaded');
};

describe('JSON model loader', () => {
  it.each([
    ['1e999 as a weight', (j: any) => { j.layers[0].params.weights[3] = 1e999; }, /layer 0 \(dense\) weights: value 3 is null, not a finite float32 number|value 3 is Infinity/],
    ['"NaN" as a weight', (j: any) => { j.layers[0].params.weights[0] = 'NaN'; }, /layer 0 \(dense\) weights: value 0 is "NaN", not a finite float32 number/],
    ['{} as weights', (j: any) => { j.layers[0].params.weights = {}; }, /layer 0 \(dense\) weights: expected a list of 24 numbers \(shape \[6, 4\]\), got object/],
    ['{"length": 2} as weights', (j: any) => { j.layers[1].params.bias = { length: 3 }; }, /layer 1 \(dense\) bias: expected a list of 3 numbers/],
    ['a null layer', (j: any) => { j.layers[1] = null; }, /layer 1 is null, not a layer object/],
    ['a float32 overflow', (j: any) => { j.layers[1].params.bias[0] = 1e39; }, /bias: value 0 is 1e\+39, not a finite float32 number/],
    ['an unknown activation', (j: any) => { j.layers[0].activation = 'swish'; }, /layer 0 \(dense\): activation must be one of relu, leaky-relu, tanh, sigmoid, linear, got "swish"/],
    ['a fractional unit count', (j: any) => { j.layers[0].units = 4.5; }, /layer 0 \(dense\): units must be a positive integer, got 4\.5/],
    ['a huge layer', (j: any) => { j.layers[0].units = 1e9; }, /the layers need \d+ parameters, more than the limit of 100000000/],
    ['an unknown loss', (j: any) => { j.loss = 'hinge'; }, /unknown loss 'hinge'/],
    ['version 3', (j: any) => { j.version = 3; }, /unknown version 3/],
  ])('refuses %s with a ModelFormatError naming the layer and field', (_what, edit, message) => {
    const json = JSON.parse(models.mlp);
    edit(json);
    const e = refusal(json);
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(message);
  });

  it('refuses a conv padding other than same/valid, and a kernel that is not a size', () => {
    const json = JSON.parse(models.cnn);
    json.layers[0].padding = 'full';
    expect(refusal(json).message).toMatch(/layer 0 \(conv2d\): padding must be 'same', 'valid', a non-negative integer or \[top, left, bottom, right\], got "full"/);
    json.layers[0].padding = 'same';
    json.layers[0].kernel = 'big';
    expect(refusal(json).message).toMatch(/layer 0 \(conv2d\): kernel must be a positive integer or \[height, width\], got "big"/);
  });

  it('a small file that claims a huge network is refused at once, without allocating', () => {
    const text = '{"format":"simdnet","version":2,"input":[100000,100000],"loss":"mse","layers":[{"type":"dense","units":100000,"params":{"weights":[1],"bias":[1]}}]}';
    expect(text.length).toBeLessThan(200);
    const used = backend.heap.used, size = backend.heap.memory.buffer.byteLength;
    const t0 = performance.now();
    const e = refusal(JSON.parse(text));
    expect(performance.now() - t0).toBeLessThan(2000); // at once: a guard against a hang, not a timing
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(e.message).toMatch(/input: input must be a positive integer or a shape|more than the limit/);
    expect([backend.heap.used, backend.heap.memory.buffer.byteLength]).toEqual([used, size]);
    // A lying length within the limit: the numbers are counted before the network is made.
    const lying = '{"format":"simdnet","version":2,"input":1000,"loss":"mse","layers":[{"type":"dense","units":50000,"params":{"weights":[1,2],"bias":[0]}}]}';
    expect(refusal(JSON.parse(lying)).message).toMatch(/weights: has 2 values, expected 1000×50000 = 50000000/);
    expect([backend.heap.used, backend.heap.memory.buffer.byteLength]).toEqual([used, size]);
  });

  it('fuzzing: 12,000 token-mutated JSON models load with finite outputs or fail with a ModelFormatError; memory is returned', () => {
    const tokens = ['1e999', '-1e999', '"NaN"', '{}', '{"length":2}', 'null', '-1', '0', '1e9', '[]', 'true', '0.5', '3', '"same"', '"relu"', '[3,3]', '"dense"', '[1,2]', '1e-45', '2e38'];
    const used = backend.heap.used;
    const runs = Number(process.env.FUZZ_RUNS ?? 12_000);
    let loaded = 0;
    fc.assert(
      fc.property(fc.constantFrom('mlp', 'cnn', 'eurnn'), fc.array(fc.tuple(fc.nat(), fc.nat({ max: tokens.length - 1 })), { minLength: 1, maxLength: 4 }), (which, edits) => {
        // Replace random value tokens (numbers, strings, literals) of the text with hostile ones.
        let text = models[which];
        for (const [at, t] of edits) {
          const values = [...text.matchAll(/-?\d[\d.e+-]*|"[^"]*"|true|false|null/g)];
          const m = values[at % values.length];
          text = text.slice(0, m.index) + tokens[t] + text.slice(m.index! + m[0].length);
        }
        let json: unknown;
        try { json = JSON.parse(text); } catch { return; } // not JSON: the file reader's business
        let net: Network | undefined;
        try {
          net = load(json);
          const rng = new Rng(1);
          // Finite outputs, or (huge finite weights) the DIVERGED refusal of predict: never NaN.
          const out = net.predict(Float32Array.from({ length: net.input * 2 }, () => rng.next()));
          expect(out.every(Number.isFinite)).toBe(true);
          loaded++;
        } catch (e) {
          if (!(e instanceof ModelFormatError) && !((e as { code?: string }).code === 'DIVERGED' && net)) throw e;
        } finally {
          net?.dispose();
        }
        expect(backend.heap.used).toBe(used);
      }),
      { numRuns: runs, seed: 7 },
    );
    expect(loaded).toBeGreaterThan(runs / 100); // some mutations are harmless (a weight changed): those load
  });
});
