// Measures a digit model file (issue 21): parameters, bytes, MNIST test accuracy, robustness set
// (overall and solid, as scripts/robustness-report.mjs), and µs per digit: batch 1, median of
// --calls net.predict calls on one 28×28 image, one thread.
//
//   taskset -c 0 node --experimental-wasm-relaxed-simd scripts/digits-lean-measure.mjs --model FILE [--calls 3000]
import { statSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createBackend, loadModel, loadMnist } from '../dist/node.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, calls: { type: 'string', default: '3000' } } });
const backend = await createBackend({ threads: 1 });
const { net } = await loadModel(backend, values.model);
const { test } = await loadMnist();
const testAccuracy = net.evaluate(test).accuracy;
const one = Float32Array.from(test.x.subarray(0, 784), (v) => v / 255);
for (let i = 0; i < 300; i++) net.predict(one);
const times = [];
for (let i = 0; i < Number(values.calls); i++) {
  const t = process.hrtime.bigint();
  net.predict(one);
  times.push(Number(process.hrtime.bigint() - t) / 1000);
}
times.sort((a, b) => a - b);
const robust = JSON.parse(execFileSync(process.execPath, [...process.execArgv, 'scripts/robustness-report.mjs', '--model', values.model, '--json'], { encoding: 'utf8' }));
console.log(JSON.stringify({
  model: values.model, describe: net.describe(), backend: backend.name, bytes: statSync(values.model).size, testAccuracy,
  usPerDigitMedian: times[times.length >> 1], usPerDigitP10: times[Math.floor(times.length * 0.1)], calls: times.length,
  robustness: robust.accuracy, robustnessSolid: robust.solidAccuracy,
}));
