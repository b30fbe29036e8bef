// Trains a lean digit-classifier candidate (issue 21) with the shipped model's recipe: Adam, cosine,
// batch 64, augmentDigits (rotation ±15°, scale 0.8–1.2, shifts ±3 px, stroke thickness), seed 1.
// Needs `npm run build` first. Does not touch models/digits.simdnet.
//
//   taskset -c 0 node --experimental-wasm-relaxed-simd scripts/train-digits-lean.mjs ARCH [--epochs N] [--lr X] [--out FILE] [--batches N]
//
// ARCH is a name below. --batches N stops after N batches and prints the time per batch (to
// estimate an epoch). Prints one JSON line: test accuracy, parameters, bytes, training seconds.
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createBackend, Network, conv2d, maxPool2d, dense, adam, augmentDigits, loadMnist, saveModel } from '../dist/node.js';

const relu = { activation: 'relu' };
const valid = { activation: 'relu', padding: 'valid' };
export const ARCHS = {
  // conv 3×3×16 same, pool, conv 3×3×32 same, pool, dense 10
  A: [conv2d(16, 3, relu), maxPool2d(2), conv2d(32, 3, relu), maxPool2d(2), dense(10)],
  // conv 5×5×16, pool, conv 5×5×32, pool, dense 10
  B: [conv2d(16, 5, relu), maxPool2d(2), conv2d(32, 5, relu), maxPool2d(2), dense(10)],
  // conv 3×3×16, conv 3×3×16, pool, conv 3×3×32, pool, dense 10
  C: [conv2d(16, 3, relu), conv2d(16, 3, relu), maxPool2d(2), conv2d(32, 3, relu), maxPool2d(2), dense(10)],
  // A with a third pool: 3×3×32 maps, 288 dense inputs
  D: [conv2d(16, 3, relu), maxPool2d(2), conv2d(32, 3, relu), maxPool2d(2), conv2d(32, 3, relu), maxPool2d(2), dense(10)],
  // 'valid' 3×3 convs: 26×26×12, pool, 11×11×24, pool, 3×3×48, dense 10 (17k parameters, ~0.5 M multiply-adds)
  E: [conv2d(12, 3, valid), maxPool2d(2), conv2d(24, 3, valid), maxPool2d(2), conv2d(48, 3, valid), dense(10)],
  // E wider: 16, 32, 48 maps (23k parameters, ~0.8 M multiply-adds)
  I: [conv2d(16, 3, valid), maxPool2d(2), conv2d(32, 3, valid), maxPool2d(2), conv2d(48, 3, valid), dense(10)],
  // E with a 5×5 first layer and 64 maps at the end (29k parameters)
  G: [conv2d(16, 5, valid), maxPool2d(2), conv2d(32, 3, valid), maxPool2d(2), conv2d(64, 3, valid), dense(10)],
};

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  epochs: { type: 'string', default: '12' }, lr: { type: 'string', default: '0.002' }, out: { type: 'string' }, batches: { type: 'string' },
} });
const arch = positionals[0] ?? 'A';
if (!ARCHS[arch]) throw new Error(`unknown ARCH ${arch}: ${Object.keys(ARCHS).join(', ')}`);
const epochs = Number(values.epochs), lr = Number(values.lr);
const maxBatches = values.batches ? Number(values.batches) : Infinity;
const { train, validation, test } = await loadMnist();
const backend = await createBackend({ threads: 1 });
const net = new Network(backend, { input: [28, 28, 1], layers: ARCHS[arch], init: 'he', seed: 1 });
console.error(`lean ${arch}: ${net.describe()} on ${backend.name}, ${epochs} epochs, lr ${lr}`);
const abort = new AbortController();
const t0 = performance.now();
let t100 = 0;
await net.fit(train, {
  epochs, batchSize: 64, optimizer: adam({ lr }), schedule: 'cosine', validation, seed: 1,
  augment: augmentDigits({ seed: 1 }), signal: abort.signal,
  onBatch: ({ step }) => {
    if (step === 50) t100 = performance.now();
    if (step >= maxBatches) {
      const per = (performance.now() - t100) / (step - 50);
      console.log(JSON.stringify({ event: 'estimate', arch, msPerBatch: per, secondsPerEpoch: per * Math.ceil(train.count / 64) / 1000 }));
      abort.abort();
    }
  },
  onEpoch: (r) => console.error(`epoch ${r.epoch}: train ${(100 * r.trainAccuracy).toFixed(2)}%, validation ${(100 * r.validationAccuracy).toFixed(2)}%, ${r.seconds.toFixed(1)} s`),
});
if (Number.isFinite(maxBatches)) process.exit(0);
const seconds = (performance.now() - t0) / 1000;
const testAccuracy = net.evaluate(test).accuracy;
const out = values.out ?? `/tmp/digits-lean-${arch}.simdnet`;
await saveModel(net, out, { arch, testAccuracy, epochs, lr, trainedOn: 'MNIST train (50,000) with augmentDigits({ seed: 1 })', date: new Date().toISOString() });
console.log(JSON.stringify({ event: 'trained', arch, params: net.paramCount ?? null, describe: net.describe(), epochs, lr, testAccuracy, bytes: statSync(out).size, trainSeconds: seconds, out }));
