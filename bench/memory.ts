// Memory over long use of one backend, as JSON lines at intervals: RSS, the WASM memory's size and
// the heap's allocated bytes. Three workloads: 10,000 networks created, trained, used and disposed;
// one network trained for 200 epochs; 1,000 save/load cycles (serialize → deserialize → dispose).
// MEMORY_SCALE=0.1 runs a tenth of each (quick look).
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { dense } from '../src/nn/layers/index';
import { adam } from '../src/nn/optimizers';
import { loadMnist } from '../src/data/mnist-node';
import { take } from '../src/data/dataset';
import { emit, progress } from './support';

const scale = Number(process.env.MEMORY_SCALE ?? 1);
const backend = await createBackend();
const { train, test } = await loadMnist();
const small = take(train, 256), probe = take(test, 64);
const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
const sample = (workload: string, i: number, extra: Record<string, unknown> = {}) =>
  emit({ bench: 'memory', workload, i, rssMB: mb(process.memoryUsage().rss), wasmMB: mb(backend.heap.memory.buffer.byteLength), heapUsedMB: mb(backend.heap.used), regions: backend.heap.regions, ...extra });

const cycles = Math.round(10_000 * scale);
progress(`memory: ${cycles} networks created, trained 1 epoch on 256 images, used and disposed`);
for (let i = 0; i < cycles; i++) {
  const net = new Network(backend, { input: 784, layers: [dense(32 + (i % 4) * 16, 'relu'), dense(10)], init: 'he', seed: i });
  await net.fit(small, { epochs: 1, batchSize: 32 + (i % 3) * 16, optimizer: adam() });
  net.classify(probe);
  net.dispose();
  if (i % Math.max(1, Math.round(cycles / 10)) === 0 || i === cycles - 1) sample('create-fit-predict-dispose', i + 1);
}

const epochs = Math.round(200 * scale);
progress(`memory: one network, ${epochs} epochs of 2,000 images`);
const long = new Network(backend, { input: 784, layers: [dense(128, 'relu'), dense(10)], init: 'he', seed: 1 });
const data = take(train, 2000);
await long.fit(data, {
  epochs, optimizer: adam(), validation: probe,
  onEpoch: (r) => { if (r.epoch % Math.max(1, Math.round(epochs / 10)) === 0 || r.epoch === epochs) sample('200-epochs', r.epoch, { validationAccuracy: r.validationAccuracy }); },
});

const loads = Math.round(1000 * scale);
progress(`memory: ${loads} save/load cycles`);
const bytes = long.serialize();
for (let i = 0; i < loads; i++) {
  const copy = Network.deserialize(backend, bytes);
  copy.predict(probe);
  copy.dispose();
  if (i % Math.max(1, Math.round(loads / 10)) === 0 || i === loads - 1) sample('save-load', i + 1, { modelBytes: bytes.length });
}
long.dispose();
sample('end', 0);
