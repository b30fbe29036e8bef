// Trains the digit model shipped in models/digits.simdnet (`npm run train:pretrained`; needs
// `npm run build` first). The CNN of `simdnet train --model cnn` (conv 5×5×32, pool, conv 5×5×64, pool,
// dense 10; about 250 KB), trained with seeded on-the-fly augmentation (rotation ±15°,
// scale 0.8–1.2, shifts ±3 px, thicker/thinner strokes) so it copes with real drawings, then
// measured on the plain MNIST test set and on an augmented copy of it (different seed).
import { writeFileSync, statSync } from 'node:fs';
import { createBackend, Network, conv2d, maxPool2d, dense, adam, augmentDigits, fromArrays, loadMnist, saveModel } from '../dist/node.js';

const EPOCHS = Number(process.env.EPOCHS ?? 12);
// OUT=dir writes the model there instead of models/ (to compare before replacing the shipped one).
const OUT = process.env.OUT ?? 'models';
const { train, validation, test } = await loadMnist();
const backend = await createBackend('auto');
const net = new Network(backend, {
  input: [28, 28, 1],
  layers: [conv2d(32, 5, { activation: 'relu' }), maxPool2d(2), conv2d(64, 5, { activation: 'relu' }), maxPool2d(2), dense(10)],
  init: 'he',
  seed: 1,
});
console.error(`train:pretrained: ${net.describe()} on ${backend.name}, ${EPOCHS} epochs with augmentation`);
await net.fit(train, {
  epochs: EPOCHS, batchSize: 64, optimizer: adam({ lr: 0.002 }), schedule: 'cosine', validation, seed: 1,
  augment: augmentDigits({ seed: 1 }),
  onEpoch: (r) => console.error(`epoch ${r.epoch}: train ${(100 * r.trainAccuracy).toFixed(2)}%, validation ${(100 * r.validationAccuracy).toFixed(2)}%, ${r.seconds.toFixed(1)} s`),
});

// An augmented copy of the test set: the same transforms, another seed.
const pixels = Float32Array.from(test.x, (v) => v / 255);
augmentDigits({ seed: 99 })(pixels, test.count, 28, 28);
const augmented = fromArrays({ x: Uint8Array.from(pixels, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)), shape: [28, 28, 1], y: test.y, classes: 10, name: 'test (augmented)' });
const plain = net.evaluate(test).accuracy, aug = net.evaluate(augmented).accuracy;
const metadata = { testAccuracy: plain, augmentedTestAccuracy: aug, epochs: EPOCHS, trainedOn: 'MNIST train (50,000) with augmentDigits({ seed: 1 })', date: new Date().toISOString() };
await saveModel(net, `${OUT}/digits.simdnet`, metadata);
const bytes = statSync(`${OUT}/digits.simdnet`).size;
writeFileSync(`${OUT}/digits.json`, JSON.stringify({ ...metadata, bytes }, null, 2) + '\n');
console.log(JSON.stringify({ event: 'pretrained', ...metadata, bytes }));
