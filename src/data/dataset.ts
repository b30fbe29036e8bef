/**
 * In-memory datasets of any kind: x is uint8 (images: scaled to [0, 1] as batches are gathered, no
 * float copy of the data set) or float32 features, shape per example; y is class labels (uint8 or
 * int32, with `classes`) or float32 targets (with `targetShape`: regression, multi-output,
 * multi-label). Slicing returns views that share memory with the source; shuffling and pixel
 * permutation return copies.
 */
import { fail } from '../errors';
import { Rng } from '../rng';
import type { IdxImages, IdxLabels } from './idx';

export interface Dataset {
  /** count × features values, row-major per example. Uint8Array: bytes, scaled by 1/255 when gathered. */
  readonly x: Uint8Array | Float32Array;
  /** The shape of one example: [features], [steps, features] or [height, width, channels]. */
  readonly shape: readonly number[];
  /** Class labels [count] (when `classes` is set) or float targets [count × target size]. */
  readonly y: Uint8Array | Int32Array | Float32Array;
  /** Class labels: their number (labels are in 0..classes−1). Undefined for float targets. */
  readonly classes?: number;
  /** Float targets: the shape of one example's target. Undefined for class labels. */
  readonly targetShape?: readonly number[];
  readonly count: number;
  readonly name: string;
  readonly classNames?: readonly string[];
}

export interface DatasetOptions {
  name?: string;
  /** Number of classes; labels must be below it. */
  classes?: number;
  classNames?: readonly string[];
}

/** The arguments of fromArrays: features with class labels or with float targets. */
export interface ArraysInput extends DatasetOptions {
  x: Uint8Array | Float32Array;
  /** Per-example shape (a number for flat features). */
  shape: number | readonly number[];
  /** Class labels (Uint8Array | Int32Array) or float targets (Float32Array). */
  y: Uint8Array | Int32Array | Float32Array;
  /** Float targets: per-example target shape (default [1]). */
  targetShape?: number | readonly number[];
}

/** The first form of fromArrays: uint8 images [rows × cols] with uint8 labels. */
export interface ImagesInput extends DatasetOptions {
  images: Uint8Array;
  labels: Uint8Array;
  rows: number;
  cols: number;
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;
const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Values per example. */
export function featuresOf(ds: Dataset): number {
  return product(ds.shape);
}

/** Values of y per example: 1 for class labels, the target size for float targets. */
export function targetSizeOf(ds: Dataset): number {
  return ds.targetShape ? product(ds.targetShape) : 1;
}

/** Whether y holds class labels. */
export function hasLabels(ds: Dataset): boolean {
  return ds.classes !== undefined;
}

function shapeArg(v: unknown, name: string, what: string): number[] {
  const shape = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    fail('ARGUMENT', `${name}: ${what} must be a positive integer or a list of them, got ${JSON.stringify(v)}`);
  }
  return [...(shape as number[])];
}

function checkFinite(values: Float32Array, per: number, name: string, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      fail('ARGUMENT', `${name}: ${what}[${i}] (example ${Math.floor(i / per)}, value ${i % per}) is ${values[i]}; only finite numbers can be trained on`);
    }
  }
}

function classesOf(opts: DatasetOptions, labels: Uint8Array | Int32Array, name: string, fallback: () => number): number {
  const classes = opts.classes ?? opts.classNames?.length ?? fallback();
  const limit = labels instanceof Uint8Array ? 256 : 2 ** 31 - 1;
  if (!Number.isSafeInteger(classes) || classes < 1 || classes > limit) {
    fail('ARGUMENT', `${name}: classes must be an integer in 1..${limit}${labels instanceof Uint8Array ? ' (the labels are bytes)' : ''}, got ${classes}`);
  }
  if (opts.classNames && opts.classNames.length !== classes) {
    fail('ARGUMENT', `${name}: ${opts.classNames.length} classNames given for ${classes} classes`);
  }
  return classes;
}

function checkLabels(labels: Uint8Array | Int32Array, classes: number, name: string, code: 'IDX_LABEL' | 'ARGUMENT'): void {
  for (let i = 0; i < labels.length; i++) {
    if (!(labels[i] >= 0 && labels[i] < classes)) {
      fail(code, `${name}: label ${labels[i]} at index ${i} is out of range for ${classes} classes (0..${classes - 1})`);
    }
  }
}

function labelled(x: Uint8Array | Float32Array, shape: readonly number[], y: Uint8Array | Int32Array, opts: DatasetOptions, name: string, fallback: () => number, code: 'IDX_LABEL' | 'ARGUMENT' = 'ARGUMENT'): Dataset {
  const classes = classesOf(opts, y, name, fallback);
  checkLabels(y, classes, name, code);
  return { x, shape, y, classes, count: y.length, name, ...(opts.classNames && { classNames: opts.classNames }) };
}

/** Pairs parsed IDX images and labels (views kept, no copy): shape [rows, cols, 1]. Counts must agree. */
export function makeDataset(images: IdxImages, labels: IdxLabels, opts: DatasetOptions = {}): Dataset {
  const name = opts.name ?? 'dataset';
  if (images.kind !== 'images' || labels.kind !== 'labels') {
    fail('ARGUMENT', `${name}: makeDataset needs an image file and a label file, got ${images.kind} and ${labels.kind}`);
  }
  if (images.count !== labels.count) {
    fail('IDX_HEADER', `${name}: the image file holds ${images.count} images but the label file holds ${labels.count} labels`);
  }
  return labelled(images.pixels, [images.rows, images.cols, 1], labels.labels, opts, name, () => 10, 'IDX_LABEL');
}

/**
 * Builds a dataset from typed arrays (kept, not copied):
 *   fromArrays({ x, shape: [30], y: labels, classes: 2 })                 classification
 *   fromArrays({ x, shape: [10], y: targets, targetShape: [1] })          regression, multi-output, multi-label
 *   fromArrays({ images, labels, rows, cols })                            uint8 images (shape [rows, cols, 1])
 * Every length, label and value is checked here, so training never meets a bad one.
 */
export function fromArrays(a: ArraysInput | ImagesInput): Dataset {
  const name = a?.name ?? 'dataset';
  if (typeof a !== 'object' || a === null) return fail('ARGUMENT', `fromArrays: expected { x, shape, y, … } or { images, labels, rows, cols }, got ${String(a)}`);
  if ('images' in a) {
    if (!(a.images instanceof Uint8Array) || !(a.labels instanceof Uint8Array)) fail('ARGUMENT', `${name}: images and labels must be Uint8Arrays`);
    const [rows, cols] = [shapeArg(a.rows, name, 'rows')[0], shapeArg(a.cols, name, 'cols')[0]];
    const want = a.labels.length * rows * cols;
    if (a.images.length !== want) fail('SHAPE', `${name}: ${a.labels.length} labels of ${rows}×${cols} images need ${want} pixel bytes, got ${a.images.length}`);
    return labelled(a.images, [rows, cols, 1], a.labels, a, name, () => 10);
  }
  const { x, y } = a;
  if (!(x instanceof Uint8Array || x instanceof Float32Array)) fail('ARGUMENT', `${name}: x must be a Float32Array (features) or a Uint8Array (bytes, scaled to [0, 1]), got ${(x as object)?.constructor?.name ?? typeof x}`);
  if (!(y instanceof Uint8Array || y instanceof Int32Array || y instanceof Float32Array)) {
    fail('ARGUMENT', `${name}: y must be class labels (Uint8Array or Int32Array, with classes) or float targets (Float32Array), got ${(y as object)?.constructor?.name ?? typeof y}`);
  }
  const shape = shapeArg(a.shape, name, 'shape');
  const features = product(shape);
  if (y instanceof Float32Array) {
    if (a.classes !== undefined || a.classNames) fail('ARGUMENT', `${name}: class labels must be a Uint8Array or Int32Array; a Float32Array y is read as float targets (give targetShape, not classes)`);
    const targetShape = shapeArg(a.targetShape ?? [1], name, 'targetShape');
    const per = product(targetShape);
    if (y.length % per !== 0) fail('SHAPE', `${name}: y has ${y.length} values, not a multiple of the target size ${per} (targetShape [${targetShape.join(', ')}])`);
    const count = y.length / per;
    if (x.length !== count * features) fail('SHAPE', `${name}: ${count} targets of size ${per} need x of ${count} × ${features} = ${count * features} values (shape [${shape.join(', ')}]), got ${x.length}`);
    if (x instanceof Float32Array) checkFinite(x, features, name, 'x');
    checkFinite(y, per, name, 'y');
    return { x, shape, y, targetShape, count, name };
  }
  if (a.targetShape !== undefined) fail('ARGUMENT', `${name}: targetShape is for float targets (a Float32Array y); these are class labels (${y.constructor.name})`);
  if (x.length !== y.length * features) fail('SHAPE', `${name}: ${y.length} labels need x of ${y.length} × ${features} = ${y.length * features} values (shape [${shape.join(', ')}]), got ${x.length}`);
  if (x instanceof Float32Array) checkFinite(x, features, name, 'x');
  return labelled(x, shape, y, a, name, () => {
    let max = 0;
    for (let i = 0; i < y.length; i++) if (y[i] > max) max = y[i];
    return max + 1;
  });
}

/** Examples [start, end) as views sharing memory with ds. */
export function subset(ds: Dataset, start: number, end: number = ds.count): Dataset {
  if (!isCount(start) || !isCount(end) || start > end || end > ds.count) {
    fail('ARGUMENT', `${ds.name}: subset [${start}, ${end}) is not a range of integers within [0, ${ds.count}]`);
  }
  const px = featuresOf(ds), ty = targetSizeOf(ds);
  return {
    ...ds,
    x: ds.x.subarray(start * px, end * px),
    y: ds.y.subarray(start * ty, end * ty),
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
  if (!isCount(n)) fail('ARGUMENT', `${ds.name}: take needs a non-negative integer, got ${n}`);
  return n >= ds.count ? ds : subset(ds, 0, n);
}

/** A random permutation of 0..n-1 from Rng(seed) (Fisher–Yates). */
export function pixelPermutation(n: number, seed: number): Int32Array {
  if (!isCount(n) || n > 0x7fffffff) fail('ARGUMENT', `pixelPermutation: bad length ${n}`);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return new Rng(seed).shuffle(p);
}

type AnyArray = Uint8Array | Int32Array | Float32Array;
const like = <T extends AnyArray>(a: T, length: number): T => new (a.constructor as new (n: number) => T)(length);

/** A copy with examples in a seed-determined order: the same seed always gives the same order. */
export function shuffled(ds: Dataset, seed: number): Dataset {
  const order = pixelPermutation(ds.count, seed);
  const px = featuresOf(ds), ty = targetSizeOf(ds);
  const x = like(ds.x, ds.count * px), y = like(ds.y, ds.count * ty);
  for (let i = 0; i < ds.count; i++) {
    const j = order[i];
    x.set(ds.x.subarray(j * px, (j + 1) * px), i * px);
    y.set(ds.y.subarray(j * ty, (j + 1) * ty), i * ty);
  }
  return { ...ds, x, y, name: `${ds.name} shuffled(${seed})` };
}

/**
 * A copy in which every example's values go through the same permutation drawn from Rng(seed):
 * new value k = old value perm[k]. On images this destroys spatial structure (permuted MNIST), so a
 * recurrent model reading pixels in sequence must carry information across long distances.
 */
export function permutePixels(ds: Dataset, seed: number): Dataset {
  const px = featuresOf(ds);
  const perm = pixelPermutation(px, seed);
  const src = ds.x.subarray(0, ds.count * px);
  const x = like(ds.x, src.length);
  for (let base = 0; base < src.length; base += px) {
    for (let k = 0; k < px; k++) x[base + k] = src[base + perm[k]];
  }
  return { ...ds, x, y: ds.y.slice(0, ds.count * targetSizeOf(ds)), name: `${ds.name} permuted(${seed})` };
}

/**
 * Float features scaled to mean 0 and standard deviation 1 per feature, by the statistics of
 * `train` (the first dataset), applied to it and to the others (validation, test): copies.
 */
export function standardize(train: Dataset, ...others: Dataset[]): Dataset[] {
  const F = featuresOf(train);
  const mean = new Float64Array(F), sq = new Float64Array(F);
  for (let i = 0; i < train.count; i++) for (let j = 0; j < F; j++) mean[j] += train.x[i * F + j] / train.count;
  for (let i = 0; i < train.count; i++) for (let j = 0; j < F; j++) sq[j] += (train.x[i * F + j] - mean[j]) ** 2 / train.count;
  const scale = Array.from(sq, (v) => (v > 0 ? 1 / Math.sqrt(v) : 1));
  return [train, ...others].map((ds) => {
    if (featuresOf(ds) !== F) fail('SHAPE', `standardize: '${ds.name}' has ${featuresOf(ds)} features per example, '${train.name}' has ${F}`);
    const x = new Float32Array(ds.count * F);
    for (let i = 0; i < ds.count; i++) for (let j = 0; j < F; j++) x[i * F + j] = (ds.x[i * F + j] - mean[j]) * scale[j];
    return { ...ds, x, name: `${ds.name} standardized` };
  });
}
