// Seconds per training epoch of the CNN preset (conv 5×5×32 relu, pool 2, conv 5×5×64 relu,
// pool 2, dense 10; Adam, batch 64) on the 50,000 MNIST training images, on the best WASM build.
// CNN_IMAGES=N times an epoch of the first N images instead (and scales to 50,000 in the output).
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { adam } from '../src/nn/optimizers';
import { loadMnist } from '../src/data/mnist-node';
import { take } from '../src/data/dataset';
import { CNN_PRESET } from '../src/cli/train';
import { emit, progress } from './support';

const images = Number(process.env.CNN_IMAGES ?? 50_000);
const { train, test } = await loadMnist();
const backend = await createBackend('wasm');
const net = new Network(backend, { input: [28, 28, 1], layers: CNN_PRESET, init: 'he', seed: 1 });
progress(`cnn: ${net.describe()} on ${backend.name}, ${images} images`);
const h = await net.fit(take(train, images), { epochs: 1, batchSize: 64, optimizer: adam() });
const seconds = h.epochs[0].seconds;
// Multiply-adds per image: conv1 28·28·25·32, conv2 14·14·800·64, dense 3136·10; ×3 for training.
const flops = 3 * 2 * (28 * 28 * 25 * 32 + 14 * 14 * 800 * 64 + 3136 * 10);
emit({
  bench: 'cnn', backend: backend.name, images, seconds: +seconds.toFixed(2), secondsPer50k: +((seconds * 50_000) / images).toFixed(1),
  gflops: +((flops * images) / seconds / 1e9).toFixed(1), testAccuracy: net.evaluate(take(test, 2000)).accuracy,
});
