// Where a CNN's training step (batch 64, Adam) spends its time, by kernel (GEMMs by shape, with their
// GFLOP/s), one thread, wasm-relaxed: each raw kernel is wrapped with a timer. The CNN preset, or
// ARCH=lean for the shipped digit model's network; AUG=1 adds augmentDigits; STEPS=N (default 40).
// INFER=N profiles inference instead: predict() on N MNIST test images at once (after a warm-up).
//   npm run bench:scripts -- conv-profile
//   ARCH=lean INFER=10000 npm run bench:scripts -- conv-profile
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { conv2d, maxPool2d, dense } from '../src/nn/layers/index';
import { adam } from '../src/nn/optimizers';
import { augmentDigits } from '../src/digits/augment';
import { loadMnist } from '../src/data/mnist-node';
import { subset } from '../src/data/dataset';
import { CNN_PRESET } from '../src/cli/presets';
import { progress } from './support';

const valid = { activation: 'relu', padding: 'valid' } as const;
const LEAN = [conv2d(12, 3, valid), maxPool2d(2), conv2d(24, 3, valid), maxPool2d(2), conv2d(48, 3, valid), dense(10)];

const STEPS = Number(process.env.STEPS ?? 40);
const INFER = Number(process.env.INFER ?? 0);
const { train, test } = await loadMnist();
const backend = await createBackend({ backend: 'wasm-relaxed', threads: 1 });
const raw = backend.rawKernels as unknown as Record<string, (...a: number[]) => unknown>;
const totals = new Map<string, { ms: number; calls: number; flops: number }>();
for (const name of Object.keys(raw)) {
  const f = raw[name];
  if (typeof f !== 'function') continue;
  raw[name] = (...a: number[]) => {
    const t0 = performance.now();
    const r = f(...a);
    const dt = performance.now() - t0;
    const key = name === 'gemm' ? `gemm t${a[0]}${a[1]} ${a[2]}×${a[3]}×${a[4]}` : name === 'gemmBatch' ? `gemmBatch ${a[0]}× t${a[1]}${a[2]} ${a[3]}×${a[4]}×${a[5]}` : name;
    const e = totals.get(key) ?? { ms: 0, calls: 0, flops: 0 };
    e.ms += dt; e.calls++;
    if (name === 'gemm') e.flops += 2 * a[2] * a[3] * a[4];
    if (name === 'gemmBatch') e.flops += 2 * a[0] * a[3] * a[4] * a[5];
    totals.set(key, e);
    return r;
  };
}
const net = new Network(backend, { input: [28, 28, 1], layers: process.env.ARCH === 'lean' ? LEAN : CNN_PRESET, init: 'he', seed: 1 });
let t0 = performance.now();
if (INFER) {
  net.predict(subset(test, 0, Math.min(1000, INFER)));
  totals.clear();
  t0 = performance.now();
  net.predict(subset(test, 0, INFER));
} else {
  await net.fit(subset(train, 0, STEPS * 64), { epochs: 1, batchSize: 64, optimizer: adam(), ...(process.env.AUG && { augment: augmentDigits({ seed: 1 }) }) });
}
const wall = performance.now() - t0;
const per = INFER ? 1 : STEPS, unit = INFER ? `predict(${INFER})` : 'step';
const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms);
const sum = rows.reduce((s, [, e]) => s + e.ms, 0);
for (const [k, e] of rows) progress(`${k.padEnd(32)} ${(e.ms / per).toFixed(2).padStart(8)} ms/${unit} ${((100 * e.ms) / sum).toFixed(1).padStart(5)}%${e.flops ? `  ${(e.flops / e.ms / 1e6).toFixed(1)} GFLOP/s` : ''}`);
progress(`kernels ${(sum / per).toFixed(2)} ms/${unit}, wall ${(wall / per).toFixed(2)} ms/${unit}`);
backend.dispose();
