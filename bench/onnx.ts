// The same models in simdnet and in ONNX Runtime: each model is exported with toOnnx and run by
// simdnet (wasm-relaxed, wasm-simd), onnxruntime-node (native CPU, one thread) and onnxruntime-web
// (its WASM backend in Node, one thread): the latency of one MNIST digit (median over chunks of
// calls, cycling through 1,000 test digits; ONNX Runtime's async run() awaited, as an app would)
// and the throughput of one batch of the 10,000 test images. Rounds are interleaved (the machine is
// shared); medians. Each figure is given in wall-clock time and in the process's CPU time (user +
// system, all threads: on a machine whose core is shared with other jobs, CPU time leaves out the
// time the process waited for the core). Each line also gives the largest relative difference
// between the runtime's outputs and ours on those 10,000 images (max over images of
// max|a − b| / max|b|).
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { createBackend, detectFeatures, type BackendName } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { dense } from '../src/nn/layers/index';
import { loadMnist } from '../src/data/mnist-node';
import { DIGIT_MODEL_BYTES } from '../src/digits-entry';
import { toOnnx } from '../src/onnx/export';
import { emit, median, progress } from './support';

ortWeb.env.wasm.numThreads = 1;
const ROUNDS = Number(process.env.ONNX_ROUNDS ?? 3);

const { test } = await loadMnist();
const all = Float32Array.from(test.x as Uint8Array, (v) => v / 255);
const digits = Array.from({ length: 1000 }, (_, i) => all.subarray(i * 784, (i + 1) * 784));

interface Engine {
  name: string;
  single(x: Float32Array): Promise<unknown> | unknown;
  batch(x: Float32Array, rows: number): Promise<Float32Array> | Float32Array;
}

/** Wall-clock and CPU time (both in µs) of `fn`. */
async function timed(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage(), t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) * 1000, cpu: c.user + c.system };
}

async function latencyMicros(call: (x: Float32Array) => Promise<unknown> | unknown, calls: number): Promise<{ wall: number; cpu: number }> {
  let next = 0;
  for (let i = 0; i < 200; i++) await call(digits[next++ % digits.length]);
  const chunks: { wall: number; cpu: number }[] = [];
  for (let c = 0; c < calls / 100; c++) {
    const t = await timed(async () => { for (let i = 0; i < 100; i++) await call(digits[next++ % digits.length]); });
    chunks.push({ wall: t.wall / 100, cpu: t.cpu / 100 });
  }
  return { wall: median(chunks.map((t) => t.wall)), cpu: median(chunks.map((t) => t.cpu)) };
}

async function ortEngine(name: 'onnxruntime-node' | 'onnxruntime-web', model: Uint8Array, image: boolean): Promise<Engine> {
  const ort = (name === 'onnxruntime-node' ? ortNode : ortWeb) as typeof ortNode;
  const session = await ort.InferenceSession.create(model, name === 'onnxruntime-node'
    ? { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' }
    : { executionProviders: ['wasm'] });
  const [input, output] = [session.inputNames[0], session.outputNames[0]];
  const dims = (rows: number) => (image ? [rows, 1, 28, 28] : [rows, 784]);
  const run = async (x: Float32Array, rows: number) => (await session.run({ [input]: new ort.Tensor('float32', x, dims(rows)) }))[output].data as Float32Array;
  return { name, single: (x) => run(x, 1), batch: run };
}

function simdnetEngine(name: BackendName, net: Network): Engine {
  return { name: `simdnet ${name}`, single: (x) => net.predict(x), batch: (x) => net.predict(x) };
}

function maxRelDiff(a: Float32Array, b: Float32Array, cols: number): number {
  let worst = 0;
  for (let r = 0; r < b.length / cols; r++) {
    let d = 0, s = 0;
    for (let j = r * cols; j < (r + 1) * cols; j++) { d = Math.max(d, Math.abs(a[j] - b[j])); s = Math.max(s, Math.abs(b[j])); }
    worst = Math.max(worst, d / s);
  }
  return worst;
}

const backends: BackendName[] = [...(detectFeatures().relaxedSimd ? ['wasm-relaxed' as const] : []), 'wasm-simd'];
const models: { name: string; make: (b: Awaited<ReturnType<typeof createBackend>>) => Network; image: boolean; calls: number; batchRounds: number }[] = [
  { name: 'mlp 784-128-10', make: (b) => new Network(b, { input: 784, layers: [dense(128, 'relu'), dense(10)], init: 'he', seed: 1 }), image: false, calls: 2000, batchRounds: 5 },
  { name: 'seed network 784-80-70-10', make: (b) => new Network(b, { input: 784, layers: [dense(80, 'relu'), dense(70, 'tanh'), dense(10)], init: 'normal:0.01', seed: 1 }), image: false, calls: 2000, batchRounds: 5 },
  { name: 'shipped digit model', make: (b) => Network.deserialize(b, DIGIT_MODEL_BYTES), image: true, calls: 1000, batchRounds: 1 },
];

for (const m of models) {
  const nets = await Promise.all(backends.map(async (name) => [name, m.make(await createBackend(name))] as const));
  const onnx = toOnnx(nets[0][1]);
  const engines: Engine[] = [
    ...nets.map(([name, net]) => simdnetEngine(name, net)),
    await ortEngine('onnxruntime-node', onnx, m.image),
    await ortEngine('onnxruntime-web', onnx, m.image),
  ];
  const ours = nets[0][1].predict(all);
  const results = new Map(engines.map((e) => [e.name, { single: [] as { wall: number; cpu: number }[], batch: [] as { wall: number; cpu: number }[], diff: 0 }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const e of engines) {
      const r = results.get(e.name)!;
      r.single.push(await latencyMicros(e.single, m.calls));
      const out = await e.batch(all, test.count); // warm-up, and the outputs compared
      r.diff = maxRelDiff(out, ours, 10);
      for (let i = 0; i < m.batchRounds; i++) r.batch.push(await timed(async () => e.batch(all, test.count)));
      progress(`onnx: ${m.name}, ${e.name}, round ${round + 1}/${ROUNDS}`);
    }
  }
  const perSecond = (micros: number) => Math.round(test.count / (micros / 1e6));
  for (const e of engines) {
    const r = results.get(e.name)!;
    emit({
      bench: 'onnx', model: m.name, engine: e.name, onnxBytes: onnx.length,
      ...(e.name.startsWith('onnxruntime') && { version: (e.name === 'onnxruntime-node' ? ortNode : ortWeb).env.versions.common }),
      singleMicros: +median(r.single.map((t) => t.wall)).toFixed(2), singleCpuMicros: +median(r.single.map((t) => t.cpu)).toFixed(2),
      batch10kImagesPerSecond: perSecond(median(r.batch.map((t) => t.wall))), batch10kImagesPerCpuSecond: perSecond(median(r.batch.map((t) => t.cpu))),
      maxRelDiff: +r.diff.toExponential(2),
    });
  }
  for (const [, net] of nets) net.dispose();
}
