// Classification from a table of float features: which species is a penguin, from four body
// measurements? node examples/penguins.mjs
import { readFileSync } from 'node:fs';
import { createBackend, Network, dense, adam, fromArrays, shuffled, split, standardize } from 'simdnet';

const rows = readFileSync(new URL('./data/penguins.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const species = ['Adelie', 'Chinstrap', 'Gentoo'];
const all = fromArrays({
  x: Float32Array.from(rows.flatMap((r) => r.slice(2, 6).map(Number))), // bill length, bill depth, flipper length, body mass
  shape: [4],
  y: Uint8Array.from(rows, (r) => species.indexOf(r[0])),
  classes: 3,
  classNames: species,
  name: 'penguins',
});
const [train, test] = standardize(...split(shuffled(all, 1), 260)); // 260 to train, 82 to test

const net = new Network(await createBackend(), { input: 4, layers: [dense(16, 'relu'), dense(3)], init: 'he', seed: 1 });
await net.fit(train, { epochs: 40, batchSize: 16, optimizer: adam({ lr: 0.01 }) });
const { accuracy, loss } = net.evaluate(test);
console.log(`${net.describe()}\ntest accuracy ${(100 * accuracy).toFixed(1)}% (loss ${loss.toFixed(3)}) on ${test.count} penguins`);
const [p] = [net.predict(test.x.subarray(0, 4))]; // one penguin: a probability per species
console.log(`first test penguin: ${species.map((s, i) => `${s} ${(100 * p[i]).toFixed(1)}%`).join(', ')} (it is ${species[test.y[0]]})`);
