// Trains the digit model shipped in models/digits.simdnet (`npm run train:pretrained`; needs
// `npm run build` first): the architecture and recipe SHIPPED in scripts/digits-recipe.mjs (a lean
// CNN of 3×3 'valid' convolutions, Adam, cosine, seeded on-the-fly augmentation: rotation ±15°,
// scale 0.8–1.2, shifts ±3 px, thicker/thinner strokes, so it copes with real drawings; on all
// 60,000 MNIST training images, then 2 epochs without augmentation at a tenth of the rate), then
// measured on the plain MNIST test set, on an augmented copy of it (different seed) and on the
// robustness set.
// EPOCHS=N and ARCH=name change the run; OUT=dir writes the model there instead of models/ (to
// compare before replacing the shipped one).
import { writeFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createBackend, Network, augmentDigits, fromArrays, loadMnist, loadMnistTest, saveModel } from '../dist/node.js';
import { SHIPPED, digitNetwork, digitFitOptions, fineTuneOptions, mnistTrainingSet, trainedOn, logEpoch } from './digits-recipe.mjs';

// The model is trained on wasm-relaxed (fused multiply-add): Node 20 needs the flag for it, and the
// same weights need the same backend.
if (Number(process.versions.node.split('.')[0]) < 22 && !process.execArgv.includes('--experimental-wasm-relaxed-simd')) {
  process.exit(spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', ...process.argv.slice(1)], { stdio: 'inherit' }).status ?? 1);
}
const EPOCHS = Number(process.env.EPOCHS ?? SHIPPED.epochs);
const ARCH = process.env.ARCH ?? SHIPPED.arch;
const OUT = process.env.OUT ?? 'models';
const mnist = await loadMnist();
const { test } = mnist;
const { train, validation } = mnistTrainingSet(mnist, SHIPPED.all);
const backend = await createBackend({ backend: 'auto', threads: 1 });
const net = new Network(backend, digitNetwork(ARCH));
console.error(`train:pretrained: ${net.describe()} on ${backend.name}, ${train.count} images, ${EPOCHS} epochs with augmentation, ${SHIPPED.finetune} without`);
await net.fit(train, digitFitOptions(EPOCHS, SHIPPED.lr, { validation, onEpoch: logEpoch }));
if (SHIPPED.finetune > 0) await net.fit(train, fineTuneOptions(SHIPPED.finetune, SHIPPED.lr, { validation, onEpoch: logEpoch }));

// An augmented copy of the test set: the same transforms, another seed.
const pixels = Float32Array.from(test.x, (v) => v / 255);
augmentDigits({ seed: 99 })(pixels, test.count, 28, 28);
const augmented = fromArrays({ x: Uint8Array.from(pixels, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)), shape: [28, 28, 1], y: test.y, classes: 10, name: 'test (augmented)' });
const plain = net.evaluate(test).accuracy, aug = net.evaluate(augmented).accuracy;
// The robustness set: 1,000 digits rendered from fonts, not MNIST (docs/results/robustness.md).
const robust = net.evaluate(await loadMnistTest({ dir: 'test/fixtures/robustness' })).accuracy;
const metadata = { testAccuracy: plain, augmentedTestAccuracy: aug, robustnessAccuracy: robust, architecture: net.describe(), epochs: EPOCHS, fineTuneEpochs: SHIPPED.finetune, lr: SHIPPED.lr, backend: backend.name, trainedOn: trainedOn(train.count, SHIPPED.finetune), date: new Date().toISOString() };
await saveModel(net, `${OUT}/digits.simdnet`, metadata);
const bytes = statSync(`${OUT}/digits.simdnet`).size;
writeFileSync(`${OUT}/digits.json`, JSON.stringify({ ...metadata, bytes }, null, 2) + '\n');
console.log(JSON.stringify({ event: 'pretrained', ...metadata, bytes }));
