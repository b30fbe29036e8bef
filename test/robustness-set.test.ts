// The robustness set (issue 21: digits rendered from fonts, not MNIST; scripts/robustness-set.mjs):
// its committed files load as `simdnet evaluate --dataset` reads them, and the shipped model's
// accuracy on it is the figure docs/results/robustness.md gives, so that page stays true.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadMnistTest } from '../src/data/mnist-node';
import type { Dataset } from '../src/data/dataset';
import { createBackend } from '../src/kernels/backend';
import { deserializeModel } from '../src/io/network';
import { DIGIT_MODEL_BYTES } from '../src/digits-entry';

const DIR = fileURLToPath(new URL('./fixtures/robustness/', import.meta.url));
const DOC = fileURLToPath(new URL('../docs/results/robustness.md', import.meta.url));

interface Items {
  fields: string[];
  families: string[];
  items: (string | number)[][];
}

describe('the robustness set (test/fixtures/robustness)', () => {
  let data: Dataset;
  let items: Items;
  beforeAll(async () => {
    data = await loadMnistTest({ dir: DIR });
    items = JSON.parse(readFileSync(`${DIR}items.json`, 'utf8')) as Items;
  });

  it('holds 1,000 28×28 images, 100 of each digit, small on disk', () => {
    expect(data.count).toBe(1000);
    expect(data.shape).toEqual([28, 28, 1]);
    expect(data.x.length).toBe(1000 * 784);
    const perDigit = new Array<number>(10).fill(0);
    for (const label of data.y) perDigit[label]++;
    expect(perDigit).toEqual(new Array<number>(10).fill(100));
    const bytes = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'items.json'].reduce((sum, f) => sum + statSync(DIR + f).size, 0);
    expect(bytes).toBeLessThan(300_000);
  });

  it('lists how each image was drawn, in the order of the labels', () => {
    expect(items.items.length).toBe(data.count);
    const digit = items.fields.indexOf('digit'), family = items.fields.indexOf('family');
    items.items.forEach((it, i) => {
      expect(it[digit]).toBe(data.y[i]);
      expect(items.families[it[family] as number]).toBeTypeOf('string');
    });
    expect(new Set(items.items.map((it) => it[family])).size).toBe(items.families.length);
  });

  it('every image holds ink, centred as preprocessDigit centres a drawing', () => {
    for (let i = 0; i < data.count; i++) {
      const img = data.x.subarray(i * 784, i * 784 + 784);
      let mass = 0, mx = 0, my = 0;
      img.forEach((v, p) => { mass += v; mx += v * ((p % 28) + 0.5); my += v * (Math.floor(p / 28) + 0.5); });
      expect(mass).toBeGreaterThan(0);
      expect(Math.abs(mx / mass - 14)).toBeLessThan(1.5);
      expect(Math.abs(my / mass - 14)).toBeLessThan(1.5);
    }
  });

  it("the shipped model's accuracy on it is the figure in docs/results/robustness.md (±0.5%)", async () => {
    const doc = readFileSync(DOC, 'utf8');
    const m = /shipped model[^*]* scores \*\*(\d+\.\d+)%\*\*/.exec(doc);
    expect(m, 'docs/results/robustness.md says "The shipped model … scores **NN.NN%**"').not.toBeNull();
    const backend = await createBackend({ threads: 1 });
    const { net } = deserializeModel(backend, DIGIT_MODEL_BYTES, 'pretrained');
    const { accuracy = NaN } = net.evaluate(data);
    expect(Math.abs(100 * accuracy - Number(m![1]))).toBeLessThanOrEqual(0.5);
  });
});
