// Where a 2-thread training step of the seed-004 MLP spends its time. Its model-parallel batch and
// step, as fit() runs it (parallel-model.ts: each thread gathers its block of pixel values), and the
// data-parallel path that other networks take (float features, augmented batches): the caller's
// share alone (forward, loss, backward on 32 rows), the whole threaded batch (64 rows on 2 threads:
// the difference is the handoff, the wait for the slower share and the sums), the threaded optimizer
// step against the one-thread reduction + step, and gathering the batch. Medians of ROUNDS × N.
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { dense } from '../src/nn/layers/index';
import { sgd, adam } from '../src/nn/optimizers';
import { loadMnist } from '../src/data/mnist-node';
import { emit, median, progress } from './support';

const N = 500, ROUNDS = Number(process.env.ROUNDS ?? 5);
const { train } = await loadMnist();
const backend = await createBackend({ backend: 'wasm-relaxed', threads: 2 });
const net = new Network(backend, { input: 784, layers: [dense(80, 'relu'), dense(70, 'tanh'), dense(10)], init: 'normal:0.01', seed: 1 });
net.plan(64, 64);
const work = backend.heap.group('profile');
const data = net.upload(train, work);
const order = Int32Array.from({ length: 64 }, (_, i) => i * 13);
const replica = (net as unknown as { replica: { forward(r: number, x: number, m: string): number; loss(...a: unknown[]): unknown; backward(r: number): void } }).replica;
const buf = (net as unknown as { buf: { x: number; labels: number; targets: number } }).buf;
for (const [name, optimizer] of [['sgd', sgd({ lr: 0.1 })], ['adam', adam()]] as const) {
  const state = Array.from({ length: optimizer.slots }, () => work.allocF32(net.paramCount));
  const k = backend.rawKernels;
  const time = (f: () => void) => { const t0 = performance.now(); for (let i = 0; i < N; i++) f(); return ((performance.now() - t0) / N) * 1000; };
  const cases: Record<string, () => void> = {
    'model-parallel batch and step (64 rows, 2 threads)': () => net.trainStep(64, 'accuracy', net.gatherRows(data, order, 0, 64, true), optimizer, state, 3, 0.001),
    'gather 64 rows': () => net.gatherRows(data, order, 0, 64),
    'caller\'s share alone (32 rows)': () => { replica.loss(32, replica.forward(32, buf.x, 'train'), buf.labels, buf.targets, true, 'accuracy'); replica.backward(32); },
    'threaded batch (64 rows, 2 threads)': () => net.trainBatch(64, 'accuracy', false),
    'threaded reduction + step': () => { net.trainBatch(64, 'accuracy', false); net.step(optimizer, state, 3, 0.001); },
    'one-thread reduction + step': () => { k.weightedSum(net.paramCount, net.gradsPtr, net.gradsPtr, net.gradsPtr, 0.5, 0.5); optimizer.step(k, net.paramCount, net.paramsPtr, net.gradsPtr, state, 3, 0.001); },
  };
  const results: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) for (const [c, f] of Object.entries(cases)) (results[c] ??= []).push(time(f));
  const m = Object.fromEntries(Object.entries(results).map(([c, xs]) => [c, median(xs)]));
  m['threaded reduction + step'] -= m['threaded batch (64 rows, 2 threads)'];
  emit({ bench: 'threads-profile', optimizer: name, microseconds: m });
  progress(`${name}: ${Object.entries(m).map(([c, v]) => `${c} ${v.toFixed(1)} µs`).join('; ')}`);
}
backend.dispose();
