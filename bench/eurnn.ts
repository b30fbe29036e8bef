// Seconds per EURNN training step at the reference size (batch 100, 784 steps, N = 256, capacity 2:
// forward, backpropagation through time, RMSprop) on permuted MNIST, on one core, for wasm-relaxed,
// wasm-simd and (at a smaller size, scaled) js; medians of ROUNDS steps after a warm-up step. Also
// the forward pass alone (what validation costs per batch).
import { createBackend, detectFeatures, type BackendName } from '../src/kernels/backend';
import { Eurnn } from '../src/nn/eurnn';
import { loadMnist } from '../src/data/mnist-node';
import { permutePixels, take } from '../src/data/dataset';
import { emit, median, progress } from './support';

const ROUNDS = Number(process.env.EURNN_ROUNDS ?? 5);
const { train } = await loadMnist();
const data = permutePixels(take(train, 1000), 0);
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

async function measure(name: BackendName, batch: number, rounds: number) {
  const backend = await createBackend(name);
  const model = new Eurnn(backend, { hidden: 256, capacity: 2, seed: 1 });
  const heap = backend.heap;
  const x = heap.allocF32(batch * 784);
  const idx = heap.allocI32(batch);
  const images = heap.allocBytes(data.images);
  const rms = heap.allocF32(model.paramCount);
  const v = heap.views().i32;
  for (let r = 0; r < batch; r++) v[(idx >>> 2) + r] = r;
  backend.kernels.gatherImages(batch, 784, images, data.count, idx, x);
  const labels = Array.from(data.labels.subarray(0, batch));
  const step = () => {
    model.lossAndGradient(x, 784, batch, 784, labels);
    backend.kernels.rmsprop(model.paramCount, model.paramsPtr, model.gradsPtr, rms, 1e-4, 0.99, 1e-8);
  };
  step(); // warm-up
  const wall: number[] = [], cpuTimes: number[] = [], fwd: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now(), c0 = cpu();
    step();
    wall.push((performance.now() - t0) / 1000);
    cpuTimes.push(cpu() - c0);
    const t1 = performance.now();
    model.evaluate(x, 784, batch, 784, labels);
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
