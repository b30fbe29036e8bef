// Regression from a table of float features: a car's fuel economy (miles per gallon) from its
// engine, power, weight, acceleration and model year. node examples/cars.mjs
import { readFileSync } from 'node:fs';
import { createBackend, Network, dense, adam, fromArrays, shuffled, split, standardize } from 'simdnet';

const rows = readFileSync(new URL('./data/cars.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const all = fromArrays({
  x: Float32Array.from(rows.flatMap((r) => r.slice(1, 7).map(Number))), // cylinders … model year
  shape: [6],
  y: Float32Array.from(rows, (r) => Number(r[0])), // miles per gallon: one float target per car
  targetShape: [1],
  name: 'cars',
});
const [train, test] = standardize(...split(shuffled(all, 1), 300)); // 300 to train, 92 to test

const net = new Network(await createBackend(), { input: 6, layers: [dense(32, 'relu'), dense(16, 'relu'), dense(1)], loss: 'mse', init: 'he', seed: 1 });
const history = await net.fit(train, { epochs: 200, batchSize: 16, optimizer: adam({ lr: 0.003 }), validation: test });
const { r2, mae } = net.evaluate(test);
console.log(`${net.describe()}\ntest R² ${r2.toFixed(3)}, mean absolute error ${mae.toFixed(2)} mpg on ${test.count} cars (training mse ${history.epochs.at(-1).trainMse.toFixed(2)})`);
const [guess] = net.predict(test.x.subarray(0, 6));
console.log(`first test car: predicted ${guess.toFixed(1)} mpg, actual ${test.y[0]} mpg`);
