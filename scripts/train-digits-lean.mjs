// Trains a lean digit-classifier candidate (issue 21) with the shipped model's recipe: Adam, cosine,
// batch 64, augmentDigits (rotation ±15°, scale 0.8–1.2, shifts ±3 px, stroke thickness), seed 1.
// Needs `npm run build` first. Does not touch models/digits.simdnet.
//
//   taskset -c 0 node --experimental-wasm-relaxed-simd scripts/train-digits-lean.mjs ARCH [--epochs N] [--lr X] [--out FILE] [--batches N] [--all] [--finetune N]
//
// ARCH is a name in scripts/digits-recipe.mjs. --batches N stops after N batches and prints the time per batch (to
// estimate an epoch). --all trains on all 60,000 MNIST training images (no validation split); --finetune N
// adds N epochs without augmentation at a tenth of the learning rate. Prints one JSON line: test accuracy,
// parameters, bytes, training seconds.
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createBackend, Network, loadMnist, saveModel } from '../dist/node.js';
import { DIGIT_ARCHS, digitNetwork, digitFitOptions, fineTuneOptions, mnistTrainingSet, trainedOn, logEpoch } from './digits-recipe.mjs';

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
  epochs: { type: 'string', default: '12' }, lr: { type: 'string', default: '0.002' }, out: { type: 'string' }, batches: { type: 'string' },
  all: { type: 'boolean', default: false }, finetune: { type: 'string', default: '0' },
} });
const arch = positionals[0] ?? 'A';
if (!DIGIT_ARCHS[arch]) throw new Error(`unknown ARCH ${arch}: ${Object.keys(DIGIT_ARCHS).join(', ')}`);
const epochs = Number(values.epochs), lr = Number(values.lr), finetune = Number(values.finetune);
for (const [name, v] of [['--epochs', epochs], ['--finetune', finetune]]) if (!(Number.isInteger(v) && v >= 0)) throw new Error(`${name} must be a whole number of epochs, got ${values[name.slice(2)]}`);
if (!(lr > 0)) throw new Error(`--lr must be a positive number, got ${values.lr}`);
const maxBatches = values.batches ? Number(values.batches) : Infinity;
const mnist = await loadMnist();
const { test } = mnist;
const { train, validation } = mnistTrainingSet(mnist, values.all);
const backend = await createBackend({ threads: 1 });
const net = new Network(backend, digitNetwork(arch));
console.error(`lean ${arch}: ${net.describe()} on ${backend.name}, ${epochs} epochs, lr ${lr}, ${train.count} images${finetune ? `, then ${finetune} without augmentation` : ''}`);
const abort = new AbortController();
const t0 = performance.now();
let t100 = 0;
await net.fit(train, digitFitOptions(epochs, lr, {
  validation, signal: abort.signal,
  onBatch: ({ step }) => {
    if (step === 50) t100 = performance.now();
    if (step >= maxBatches) {
      const per = (performance.now() - t100) / (step - 50);
      console.log(JSON.stringify({ event: 'estimate', arch, msPerBatch: per, secondsPerEpoch: per * Math.ceil(train.count / 64) / 1000 }));
      abort.abort();
    }
  },
  onEpoch: logEpoch,
}));
if (Number.isFinite(maxBatches)) process.exit(0);
if (finetune > 0) await net.fit(train, fineTuneOptions(finetune, lr, { validation, onEpoch: logEpoch }));
const seconds = (performance.now() - t0) / 1000;
const testAccuracy = net.evaluate(test).accuracy;
const out = values.out ?? `/tmp/digits-lean-${arch}.simdnet`;
await saveModel(net, out, { arch, testAccuracy, epochs, lr, trainedOn: trainedOn(train.count, finetune), date: new Date().toISOString() });
console.log(JSON.stringify({ event: 'trained', arch, all: values.all, finetune, params: net.paramCount ?? null, describe: net.describe(), epochs, lr, testAccuracy, bytes: statSync(out).size, trainSeconds: seconds, out }));
