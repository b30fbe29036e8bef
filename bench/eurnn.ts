// Seconds per EURNN training step at the reference size (batch 100, 784 steps, N = 256, capacity 2:
// forward, backpropagation through time, RMSprop) on permuted MNIST, on one core, for wasm-relaxed,
// wasm-simd and (at a smaller size, scaled) js; medians of ROUNDS steps after a warm-up step. The
// model is the eurnn layer in a Network (eurnnClassifier: eurnn(256) read out by dense(10)); a step
// is net.backward (forward + BPTT) and the optimizer's step, as fit() takes it. Also the forward
// pass alone (what validation costs per batch).
import { createBackend, detectFeatures, type BackendName } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { eurnnClassifier } from '../src/nn/layers/index';
import { rmsprop } from '../src/nn/optimizers';
import { loadMnist } from '../src/data/mnist-node';
import { permutePixels, take } from '../src/data/dataset';
import { emit, median, progress } from './support';

const ROUNDS = Number(process.env.EURNN_ROUNDS ?? 5);
const { train } = await loadMnist();
const data = permutePixels(take(train, 1000), 0);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

async function measure(name: BackendName, batch: number, rounds: number) {
  const backend = await createBackend(name);
  const net = new Network(backend, { input: [784, 1], layers: eurnnClassifier(256, { capacity: 2 }), seed: 1 });
  const x = Float32Array.from((data.x as Uint8Array).subarray(0, batch * 784), (v) => v / 255);
  const labels = Array.from(data.y.subarray(0, batch));
  const optimizer = rmsprop({ lr: 1e-4, alpha: 0.99, eps: 1e-8 });
  const state = Array.from({ length: optimizer.slots }, () => backend.heap.allocF32(net.paramCount, 'optimizer state'));
  let t = 0;
  const step = () => {
    net.backward(x, labels); // forward (keeping every state) + backpropagation through time
    optimizer.step(backend.rawKernels, net.paramCount, net.paramsPtr, net.gradsPtr, state, ++t, 1e-4);
  };
  const forward = () => net.lossRows(batch, net.forwardRows(batch, 'infer'), false, 'accuracy'); // the batch is still in the buffers
  step(); // warm-up
  const wall: number[] = [], cpuTimes: number[] = [], fwd: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now(), c0 = cpu();
    step();
    wall.push((performance.now() - t0) / 1000);
    cpuTimes.push(cpu() - c0);
    const t1 = performance.now();
    forward();
    fwd.push((performance.now() - t1) / 1000);
  }
  return { wall: median(wall), cpu: median(cpuTimes), forward: median(fwd) };
}

const names: BackendName[] = [...(detectFeatures().relaxedSimd ? ['wasm-relaxed' as const] : []), 'wasm-simd'];
const results: Record<string, unknown> = {};
for (const name of names) {
  const r = await measure(name, 100, ROUNDS);
  results[name] = { secondsPerStep: +r.wall.toFixed(3), cpuSecondsPerStep: +r.cpu.toFixed(3), forwardSeconds: +r.forward.toFixed(3) };
  progress(`eurnn ${name}: ${r.wall.toFixed(3)} s/step`);
}
// The js twin at batch 10, scaled ×10 (the work is linear in the batch).
const js = await measure('js', 10, 2);
results.js = { secondsPerStep: +(js.wall * 10).toFixed(2), measuredAtBatch: 10 };
const best = results[names[0]] as { secondsPerStep: number };
emit({
  bench: 'eurnn', batch: 100, steps: 784, hidden: 256, capacity: 2, ...results,
  wasmOverJs: +((results.js as { secondsPerStep: number }).secondsPerStep / best.secondsPerStep).toFixed(1),
});
