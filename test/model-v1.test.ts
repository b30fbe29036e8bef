// Model files written by simdnet 0.1 (format version 1, binary and JSON; test/fixtures/, made by
// make-v1-models.mjs at commit b70fd91) still load, and give the outputs they gave then.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { createBackend } from '../src/kernels/backend';
import { Network, deserializeModel } from '../src/io/network';
import { MODEL_FORMAT_VERSION } from '../src/io/model-file';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const expected = JSON.parse(fixture('v1-expected.json').toString()) as Record<string, { input: number[]; outputs: number[]; tensors: string[]; describe: string }>;

describe('version-1 model files', () => {
  it.each(Object.keys(expected))('%s loads from binary and from JSON, with the same outputs as when it was saved', async (name) => {
    const backend = await createBackend('js');
    const want = expected[name];
    const bytes = new Uint8Array(fixture(`${name}.simdnet`));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(1); // really a version-1 file
    const { net, metadata } = deserializeModel(backend, bytes, name);
    expect(metadata).toEqual({ fixture: name });
    const fromJson = Network.fromJSON(backend, JSON.parse(fixture(`${name}.json`).toString()));
    for (const n of [net, fromJson]) {
      expect(Array.from(n.predict(Float32Array.from(want.input)))).toEqual(want.outputs);
      // Same tensors, renamed by the layer list (v1 numbered them by runtime layer: dense0, dense2, …).
      expect(n.tensors.map((t) => t.name.replace(/\d+\./, '.'))).toEqual(want.tensors.map((t) => t.replace(/\d+\./, '.')));
      expect(n.getWeights()).toEqual(net.getWeights());
    }
    // Saved again, it is a version-2 file that loads to the same network.
    const again = net instanceof Network ? net.serialize() : new Uint8Array();
    expect(new DataView(again.buffer).getUint32(8, true)).toBe(MODEL_FORMAT_VERSION);
    expect(Network.deserialize(backend, again).getWeights()).toEqual(net.getWeights());
    expect(Network.fromJSON(backend, net.toJSON()).predict(Float32Array.from(want.input))).toEqual(Float32Array.from(want.outputs));
  });

  it('v2 names follow the layer list', async () => {
    const backend = await createBackend('js');
    const { net } = deserializeModel(backend, new Uint8Array(fixture('mlp-v1.simdnet')), 'mlp');
    expect(net.tensors.map((t) => t.name)).toEqual(['dense0.weights', 'dense0.bias', 'dense1.weights', 'dense1.bias', 'dense2.weights', 'dense2.bias', 'dense3.weights', 'dense3.bias']);
    const cnn = deserializeModel(backend, new Uint8Array(fixture('cnn-v1.simdnet')), 'cnn').net;
    expect(cnn.weightLayerNames()).toEqual(['conv2d0', 'conv2d2', 'dense5']);
  });
});
