/**
 * In-memory image classification datasets (uint8 pixels, uint8 labels). Slicing returns views that
 * share memory with the source; shuffling and pixel permutation return copies.
 */
import { IdxError, ShapeError } from '../errors';
import { Rng } from '../rng';
import type { IdxImages, IdxLabels } from './idx';

export interface Dataset {
  /** count*rows*cols bytes, row-major per image. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
  classes: number;
  classNames?: readonly string[];
  name: string;
}

export interface DatasetOptions {
  name?: string;
  /** Number of classes; labels must be below it. Default classNames.length, else 10. */
  classes?: number;
  classNames?: readonly string[];
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

function classesOf(opts: DatasetOptions, name: string): number {
  const classes = opts.classes ?? opts.classNames?.length ?? 10;
  if (!Number.isSafeInteger(classes) || classes < 1 || classes > 256) {
    throw new ShapeError('ARGUMENT', `${name}: classes must be an integer in 1..256 (labels are bytes), got ${classes}`);
  }
  if (opts.classNames && opts.classNames.length !== classes) {
    throw new ShapeError('ARGUMENT', `${name}: ${opts.classNames.length} classNames given for ${classes} classes`);
  }
  return classes;
}

function checkLabels(labels: Uint8Array, classes: number, name: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) {
      throw new IdxError(
        'IDX_LABEL',
        `${name}: label ${labels[i]} at index ${i} is out of range for ${classes} classes (0..${classes - 1})`,
      );
    }
  }
}

function build(images: Uint8Array, labels: Uint8Array, rows: number, cols: number, opts: DatasetOptions, name: string): Dataset {
  const classes = classesOf(opts, name);
  checkLabels(labels, classes, name);
  const ds: Dataset = { images, labels, count: labels.length, rows, cols, classes, name };
  if (opts.classNames) ds.classNames = opts.classNames;
  return ds;
}

/** Pairs parsed IDX images and labels (views kept, no copy). Counts must agree; labels must be < classes. */
export function makeDataset(images: IdxImages, labels: IdxLabels, opts: DatasetOptions = {}): Dataset {
  const name = opts.name ?? 'dataset';
  if (images.kind !== 'images' || labels.kind !== 'labels') {
    throw new ShapeError('ARGUMENT', `${name}: makeDataset needs an image file and a label file, got ${images.kind} and ${labels.kind}`);
  }
  if (images.count !== labels.count) {
    throw new IdxError('IDX_HEADER', `${name}: the image file holds ${images.count} images but the label file holds ${labels.count} labels`);
  }
  return build(images.pixels, labels.labels, images.rows, images.cols, opts, name);
}

/** Builds a dataset from plain arrays (kept, not copied); count is labels.length. */
export function fromArrays(a: { images: Uint8Array; labels: Uint8Array; rows: number; cols: number } & DatasetOptions): Dataset {
  const name = a.name ?? 'dataset';
  if (!Number.isSafeInteger(a.rows) || a.rows < 1 || !Number.isSafeInteger(a.cols) || a.cols < 1) {
    throw new ShapeError('ARGUMENT', `${name}: rows and cols must be positive integers, got ${a.rows}×${a.cols}`);
  }
  const want = a.labels.length * a.rows * a.cols;
  if (a.images.length !== want) {
    throw new ShapeError(
      'SHAPE',
      `${name}: ${a.labels.length} labels of ${a.rows}×${a.cols} images need ${want} pixel bytes, got ${a.images.length}`,
    );
  }
  return build(a.images, a.labels, a.rows, a.cols, a, name);
}

/** Examples [start, end) as views sharing memory with ds. */
export function subset(ds: Dataset, start: number, end: number = ds.count): Dataset {
  if (!isCount(start) || !isCount(end) || start > end || end > ds.count) {
    throw new ShapeError('ARGUMENT', `${ds.name}: subset [${start}, ${end}) is not a range of integers within [0, ${ds.count}]`);
  }
  const px = ds.rows * ds.cols;
  return {
    ...ds,
    images: ds.images.subarray(start * px, end * px),
    labels: ds.labels.subarray(start, end),
    count: end - start,
    name: `${ds.name}[${start}:${end}]`,
  };
}

/** [first `at` examples, the rest], both views. */
export function split(ds: Dataset, at: number): [Dataset, Dataset] {
  return [subset(ds, 0, at), subset(ds, at, ds.count)];
}

/** The first min(n, count) examples, as a view. */
export function take(ds: Dataset, n: number): Dataset {
  if (!isCount(n)) throw new ShapeError('ARGUMENT', `${ds.name}: take needs a non-negative integer, got ${n}`);
  return n >= ds.count ? ds : subset(ds, 0, n);
}

/** A random permutation of 0..n-1 from Rng(seed) (Fisher–Yates). */
export function pixelPermutation(n: number, seed: number): Int32Array {
  if (!isCount(n) || n > 0x7fffffff) throw new ShapeError('ARGUMENT', `pixelPermutation: bad length ${n}`);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return new Rng(seed).shuffle(p);
}

/** A copy with examples in a seed-determined order: the same seed always gives the same order. */
export function shuffled(ds: Dataset, seed: number): Dataset {
  const order = pixelPermutation(ds.count, seed);
  const px = ds.rows * ds.cols;
  const images = new Uint8Array(ds.images.length);
  const labels = new Uint8Array(ds.count);
  for (let i = 0; i < ds.count; i++) {
    const j = order[i];
    images.set(ds.images.subarray(j * px, (j + 1) * px), i * px);
    labels[i] = ds.labels[j];
  }
  return { ...ds, images, labels, name: `${ds.name} shuffled(${seed})` };
}

/**
 * A copy in which every image's pixels go through the same permutation drawn from Rng(seed):
 * new pixel k = old pixel perm[k]. This destroys spatial structure (permuted MNIST), so a
 * recurrent model reading pixels in sequence must carry information across long distances.
 */
export function permutePixels(ds: Dataset, seed: number): Dataset {
  const px = ds.rows * ds.cols;
  const perm = pixelPermutation(px, seed);
  const src = ds.images;
  const images = new Uint8Array(src.length);
  for (let base = 0; base < src.length; base += px) {
    for (let k = 0; k < px; k++) images[base + k] = src[base + perm[k]];
  }
  return { ...ds, images, labels: ds.labels.slice(), name: `${ds.name} permuted(${seed})` };
}
