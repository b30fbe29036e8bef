// Threads: data-parallel training, evaluation and prediction over workers on one shared memory.
// Every layer type and odd batch sizes against one thread; the same seed and thread count give the
// same weights bit for bit; a failing worker becomes the caller's error; a script exits after
// training. The pool runs the built worker script (dist/worker.js: `npm test` builds first).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network, type NetworkConfig } from '../src/nn/network';
import { dense, conv2d, maxPool2d, flatten, dropout, eurnnClassifier, reshape } from '../src/nn/layers/index';
import { adam, rmsprop, sgd } from '../src/nn/optimizers';
import { fromArrays, type Dataset } from '../src/data/dataset';
import { shares } from '../src/nn/parallel';
import { ALONE_GAIN, BALANCE_WINDOW, FIRST_TRIAL, LAST_TRIAL, MODE_WINDOW, ModeChooser, RowBalancer, SplitBalancer, bestSplit, slowest } from '../src/nn/parallel-balance';
import { computeTimes, ownedChunks, planModelParallel, setSplit } from '../src/nn/parallel-model';
import { HeapRegions } from '../src/kernels/heap';
import { paramRanges } from '../src/nn/parallel-step';
import { OP_TRAIN, OP_PREDICT } from '../src/nn/parallel-protocol';
import { Rng } from '../src/rng';

function data(count: number, shape: number[], classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const x = Uint8Array.from({ length: count * size }, () => rng.int(256));
  const y = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = 0; j < size; j++) s += x[i * size + j] * ((j % 3) - 1);
    y[i] = Math.abs(s) % classes;
  }
  return fromArrays({ x, shape, y, classes, name: 'synthetic' });
}

const NETS: Record<string, { config: NetworkConfig; shape: number[]; steps?: boolean }> = {
  'dense relu/tanh/sigmoid': { config: { input: 13, layers: [dense(9, 'relu'), dense(7, 'tanh'), dense(5, 'sigmoid'), dense(3)] }, shape: [13] },
  'conv + pool + flatten': { config: { input: [9, 9, 2], layers: [conv2d(4, 3, { padding: 'same', activation: 'relu' }), maxPool2d(2), flatten(), dense(3)] }, shape: [9, 9, 2] },
  dropout: { config: { input: 13, layers: [dense(16, 'relu'), dropout(0.3), dense(3)] }, shape: [13] },
  eurnn: { config: { input: [6, 2], layers: eurnnClassifier(8, { capacity: 2, classes: 3 }) }, shape: [6, 2], steps: true },
};

async function train(backend: Backend, name: string, batchSize: number): Promise<{ weights: Float32Array; loss: number; net: Network }> {
  const { config, shape, steps } = NETS[name];
  const ds = data(130, shape, 3, 7);
  const net = new Network(backend, { ...config, seed: 5 });
  const h = await net.fit(ds, steps
    ? { steps: 6, evalEvery: 3, batchSize, optimizer: rmsprop({ lr: 1e-3 }), seed: 2 }
    : { epochs: 2, batchSize, optimizer: adam({ lr: 0.01 }), seed: 2 });
  return { weights: net.getWeights(), loss: h.epochs[h.epochs.length - 1].trainLoss!, net };
}

/** Writes `source` (an ES module that imports simdnet from the built dist/index.js as SIMDNET) to a file of its own. */
function scriptFile(name: string, source: string): string {
  const script = join(mkdtempSync(join(tmpdir(), 'simdnet-threads-')), name);
  writeFileSync(script, source.replace('SIMDNET', JSON.stringify(join(process.cwd(), 'dist/index.js'))));
  return script;
}

/** Runs `source` (see scriptFile) in a child Node process. */
function runScript(name: string, source: string, timeout: number) {
  return spawnSync(process.execPath, [scriptFile(name, source)], { encoding: 'utf8', timeout });
}

/**
 * Runs `source` (see scriptFile) in a child Node process that prints a line as it makes progress,
 * and kills it when no line came for `quietMs`: a stall fails fast, a slow machine does not.
 */
/** The longest a watched script may run; the tests that watch one allow a minute more. */
const WATCH_LIMIT_MS = 840_000;

function runWatched(name: string, source: string, quietMs: number): Promise<{ stdout: string; stderr: string; status: number | null; stalled: boolean }> {
  const child = spawn(process.execPath, [scriptFile(name, source)]);
  let stdout = '', stderr = '', stalled = false;
  const stall = () => { stalled = true; child.kill('SIGKILL'); };
  let timer = setTimeout(stall, quietMs);
  // However it progresses, it ends before the test's own timeout (which would leave it running).
  const limit = setTimeout(stall, WATCH_LIMIT_MS);
  child.stdout.on('data', (d) => {
    stdout += d;
    clearTimeout(timer);
    timer = setTimeout(stall, quietMs);
  });
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => { clearTimeout(timer); clearTimeout(limit); resolve({ stdout, stderr, status, stalled }); }));
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(b[i])));
  return worst;
}

describe('shares of a batch', () => {
  it('cut rows into contiguous shares, one per thread, the first the largest', () => {
    expect(shares(65, 2)).toEqual([[0, 33], [33, 32]]);
    expect(shares(3, 2)).toEqual([[0, 2], [2, 1]]);
    expect(shares(1, 4)).toEqual([[0, 1]]);
    expect(shares(63, 3)).toEqual([[0, 21], [21, 21], [42, 21]]);
  });
});

describe('parameter ranges of a threaded optimizer step', () => {
  it('are multiples of 4 floats that cover the block once', () => {
    expect(paramRanges(100, 3)).toEqual([[0, 36], [36, 36], [72, 28]]);
    expect(paramRanges(8, 3)).toEqual([[0, 4], [4, 4], [8, 0]]);
    expect(paramRanges(4, 2)).toEqual([[0, 4], [4, 0]]);
  });
});

describe('the model-parallel split (parallel-balance.ts)', () => {
  it('bestSplit gives each thread chunks in proportion to its speed, at least one each', () => {
    expect(bestSplit([1, 1], 6)).toEqual([3, 3]);
    expect(bestSplit([1, 2], 6)).toEqual([4, 2]); // thread 2 at half speed: both finish at 4
    expect(bestSplit([2.5, 1], 6)).toEqual([2, 4]);
    expect(bestSplit([1, 100], 6)).toEqual([5, 1]);
    expect(bestSplit([1, 1, 1], 6)).toEqual([2, 2, 2]);
    expect(bestSplit([1, 1, 2], 6)).toEqual([3, 2, 1]); // a tie goes to the lower thread
    expect(slowest([1, 2], [3, 3])).toBe(6);
    expect(slowest([1, 2], [4, 2])).toBe(4);
  });

  it.each([2, 15, 16, 17, 64])('on %i threads the split and the compute times have room of their own', async (threads) => {
    const backend = await createBackend({ backend: 'js' });
    const regions = new HeapRegions(backend.heap, 'test');
    const plan = planModelParallel(regions, threads, 8, [{ in: 64 * 12, out: 64 * 4, activation: 'relu', weights: 0, bias: 0 }, { in: 64 * 4, out: 64, activation: null, weights: 0, bias: 0 }], 0, 0);
    const counts = bestSplit(Array.from({ length: threads }, (_, t) => 1 + (t % 3)), plan.chunks);
    setSplit(backend.heap.views(), plan, counts);
    const f64 = backend.heap.views().f64;
    for (let t = 0; t < threads; t++) f64[(plan.times >>> 3) + t] = 1e300 * (t + 1); // what each thread writes after its step
    let at = 0;
    for (let t = 0; t < threads; t++) expect(ownedChunks(backend.heap.views(), plan, t)).toEqual([at, (at += counts[t])]);
    expect(computeTimes(backend.heap.views(), plan)).toEqual(Array.from({ length: threads }, (_, t) => 1e300 * (t + 1)));
    regions.release();
    backend.dispose();
  });

  it('the mode chooser runs the faster of threads and the caller alone, and tries the other ever more rarely while it loses', () => {
    const m = new ModeChooser();
    const window = (threadsMs: number, aloneMs: number) => { const alone = m.alone; for (let i = 0; i < MODE_WINDOW; i++) m.record(alone ? aloneMs : threadsMs); return alone; };
    const run = (windows: number, threadsMs: number, aloneMs: number) => Array.from({ length: windows }, () => window(threadsMs, aloneMs));
    // Threads faster (0.3 against 0.5 ms a step): one window alone at FIRST_TRIAL, then 32, 64, 128, 128 … windows later.
    const good = run(1 + FIRST_TRIAL + 32 + 64 + LAST_TRIAL + LAST_TRIAL, 0.3, 0.5);
    expect(good.map((a, i) => (a ? i : -1)).filter((i) => i >= 0)).toEqual([16, 48, 112, 240, 368]);
    expect([FIRST_TRIAL, LAST_TRIAL]).toEqual([16, 128]);
    // The virtual CPUs take turns (threads 2 ms a step): alone from the next window on, threads tried again 16 windows on.
    const bad = run(40, 2, 0.5);
    expect(bad[0]).toBe(false);
    expect(bad.slice(1, 16).every((a) => a)).toBe(true);
    expect(bad[16]).toBe(false); // the trial of threads, which loses: the next is 32 windows on
    expect(bad.slice(17, 40).every((a) => a)).toBe(true);
    // Both cores run together again: the next trial of threads wins, and threads stay (but for trials alone 16 and 48 windows on).
    const back = run(70, 0.3, 0.5), won = back.indexOf(false);
    expect(won).toBeLessThan(32);
    expect(back.map((a, i) => (a && i > won ? i - won : -1)).filter((i) => i >= 0)).toEqual([16, 48].filter((i) => won + i < 70));
  });

  it(`the mode chooser leaves threads only for steps ${ALONE_GAIN * 100}% shorter alone, and goes back to them on any gain`, () => {
    const chooser = () => {
      const m = new ModeChooser();
      const window = (threadsMs: number, aloneMs: number) => { const alone = m.alone; for (let i = 0; i < MODE_WINDOW; i++) m.record(alone ? aloneMs : threadsMs); return alone; };
      return (windows: number, threadsMs: number, aloneMs: number) => Array.from({ length: windows }, () => window(threadsMs, aloneMs));
    };
    const alone = (modes: boolean[]) => modes.map((a, i) => (a ? i : -1)).filter((i) => i >= 0);
    // Alone 20% shorter (a busy host's noise between two windows): its trials lose.
    expect(alone(chooser()(1 + FIRST_TRIAL + 32, 0.5, 0.4))).toEqual([16, 48]);
    // 30% shorter: alone from its first trial on (window 16), but for a trial of threads 16 windows later, which loses.
    const run = chooser(), range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    expect(alone(run(40, 0.5, 0.35))).toEqual(range(16, 40).filter((i) => i !== 32));
    // Threads 5% shorter now: it takes them back at their next trial (32 windows after the last, window 64 = 40 + 24) and keeps them.
    expect(alone(run(40, 0.38, 0.4))).toEqual(range(0, 24));
  });

  it('the balancer moves after a window of steps, only for a clear gain, and back when the cores even out', () => {
    const b = new SplitBalancer(2, 6); // from the even split, [3, 3]
    const steps = (times: number[], n = BALANCE_WINDOW) => { let last: number[] | null = null; for (let i = 0; i < n; i++) last = b.record(times); return last; };
    expect(steps([0.3, 0.3], BALANCE_WINDOW - 1)).toBeNull(); // not yet a window
    expect(steps([0.3, 0.3], 1)).toBeNull(); // balanced: stays
    expect(steps([0.3, 0.31])).toBeNull(); // 3% apart: noise, stays
    expect(steps([0.3, 0.6])).toEqual([4, 2]); // the second thread computes at half speed
    expect(b.counts).toEqual([4, 2]);
    expect(steps([0.4, 0.4])).toBeNull(); // even now, at 4:2
    expect(steps([0.4, 0.2])).toEqual([3, 3]); // the cores are even again: per chunk 0.1 each
    expect(steps([0, 0.3])).toBeNull(); // a clock that did not move says nothing
    expect(b.counts).toEqual([3, 3]);
  });
});

describe.each(['wasm-simd', 'js'] as const)('threads on %s', (choice) => {
  let one: Backend, two: Backend, three: Backend;
  beforeAll(async () => {
    [one, two, three] = await Promise.all([1, 2, 3].map((threads) => createBackend({ backend: choice, threads })));
  });
  afterAll(() => { for (const b of [one, two, three]) b.dispose(); });

  it('reports its thread count', () => {
    expect([one.threads, two.threads, three.threads]).toEqual([1, 2, 3]);
    expect(two.pool?.size).toBe(1);
  });

  describe.each(Object.keys(NETS))('%s', (name) => {
    it.each([1, 3, 63, 65])('batch %i: 2 and 3 threads train as 1 does (to float rounding); 2 threads twice, bit for bit', async (batch) => {
      const single = await train(one, name, batch);
      const a = await train(two, name, batch);
      const b = await train(two, name, batch);
      const c = await train(three, name, batch);
      expect(Array.from(b.weights)).toEqual(Array.from(a.weights));
      expect(maxRelDiff(a.weights, single.weights)).toBeLessThan(2e-3);
      expect(maxRelDiff(c.weights, single.weights)).toBeLessThan(2e-3);
      expect(a.loss).toBeCloseTo(single.loss, 4);
      // Evaluation and prediction split the rows too, and agree with one thread.
      const ds = data(70, NETS[name].shape, 3, 9);
      const e1 = single.net.evaluate(ds), e2 = a.net.evaluate(ds);
      expect(e2.accuracy).toBe(e1.accuracy);
      single.net.setWeights(a.weights);
      expect(a.net.evaluate(ds).loss).toBeCloseTo(single.net.evaluate(ds).loss, 10);
      expect(maxRelDiff(a.net.predict(ds), single.net.predict(ds))).toBeLessThan(1e-6);
      for (const r of [single, a, b, c]) r.net.dispose();
    });
  });

  it('evaluate (with classes) and predict over several chunks of uint8 images: each thread gathers its share, the results are one thread\'s', () => {
    const configs: NetworkConfig[] = [
      { input: 13, layers: [dense(9, 'tanh'), dense(3)], seed: 4 },
      { input: [9, 9, 2], layers: [conv2d(3, 3, { activation: 'relu' }), maxPool2d(2), dense(3)], seed: 5 },
    ];
    for (const config of configs) {
      const nets = [one, two, three].map((b) => new Network(b, config));
      const shape = Array.isArray(config.input) ? [...config.input] : [config.input as number];
      const ds = data(nets[0].evalRows * 2 + 7, shape, 3, 11); // three chunks, the last of 7 rows
      const [e1, e2, e3] = nets.map((n) => n.evaluate(ds, { classes: true }));
      expect(Array.from(e2.classes!)).toEqual(Array.from(e1.classes!));
      expect(Array.from(e3.classes!)).toEqual(Array.from(e1.classes!));
      expect([e2.accuracy, e3.accuracy]).toEqual([e1.accuracy, e1.accuracy]);
      const [p1, p2, p3] = nets.map((n) => n.predict(ds.x as Uint8Array));
      expect(maxRelDiff(p2, p1)).toBeLessThan(1e-6);
      expect(maxRelDiff(p3, p1)).toBeLessThan(1e-6);
      for (const n of nets) n.dispose();
    }
  });

  it.each(Object.keys(NETS))('%s: predict shares rows by each thread\'s speed, and the outputs do not depend on the shares, bit for bit', (name) => {
    for (const backend of [two, three]) {
      const net = new Network(backend, { ...NETS[name].config, seed: 3 });
      const rows = Math.min(net.evalRows, 70);
      const ds = data(rows, NETS[name].shape, 3, 17);
      type Rows = { rowBalancer: RowBalancer };
      const balancer = () => (net as unknown as { parallel: Rows }).parallel.rowBalancer;
      const even = Array.from(net.predict(ds)); // the first call: even shares
      const T = backend.threads;
      for (const slow of [0, T - 1]) {
        // Thread `slow` took 4 times as long per row as the others, call after call (a running mean).
        for (let i = 0; i < 12; i++) balancer().record(Array(T).fill(10), Array.from({ length: T }, (_, t) => (t === slow ? 4 : 1)));
        const counts = balancer().counts(rows)!;
        expect(counts.reduce((a, b) => a + b, 0)).toBe(rows);
        expect(Math.min(...counts)).toBeGreaterThanOrEqual(4);
        expect(counts[slow]).toBeLessThan(Math.max(...counts));
        expect(Array.from(net.predict(ds)), `shares ${counts.join(', ')}`).toEqual(even);
      }
      net.dispose();
    }
  });

  it('predict through a Winograd convolution on a small map does not depend on the shares either (its blocks keep 4 tiles or more)', () => {
    // 1 tile per image, 27 images a block: a share of 30 rows once ended in a block of 3 tiles, whose
    // GEMMs took the few-rows path and summed in another order.
    const net = new Network(two, { input: [2, 2, 64], layers: [conv2d(200, 5, { padding: 'same' }), flatten(), dense(3)], seed: 2 });
    const ds = data(60, [2, 2, 64], 3, 5);
    const even = Array.from(net.predict(ds));
    const parallel = net as unknown as { parallel: { rowBalancer: Pick<RowBalancer, 'counts' | 'record'> } };
    for (const shares of [[26, 34], [34, 26], [29, 31], [33, 27]]) {
      parallel.parallel.rowBalancer = { counts: () => shares, record: () => {} };
      expect(Array.from(net.predict(ds)), `shares ${shares.join(', ')}`).toEqual(even);
    }
    net.dispose();
  });

  it('a row balancer gives the slower thread fewer rows, never under 4 or over a worker\'s replica, the caller the rest', () => {
    const b = new RowBalancer(2, 40);
    expect(b.counts(64)).toBeNull(); // nothing measured yet: even shares
    b.record([32, 32], [1, 3]); // the worker took 3× as long per row
    expect(b.counts(64)).toEqual([48, 16]);
    expect(b.counts(7)).toBeNull(); // too few rows for two shares of 4
    b.record([32, 32], [3, 1]); // a running mean: one call moves it part of the way
    expect(b.counts(64)).toEqual([38, 26]);
    for (let i = 0; i < 20; i++) b.record([32, 32], [3, 0.01]); // the caller slow now, the worker 300× faster: capped at 40 rows
    expect(b.counts(64)).toEqual([24, 40]);
    b.record([32, 32], [0, 1]); // a clock that did not move: ignored
    expect(b.counts(64)).toEqual([24, 40]);
    const c = new RowBalancer(3, 100);
    c.record([10, 10, 10], [100, 1, 1]);
    expect(c.counts(20)).toEqual([4, 8, 8]);
    const d = new RowBalancer(3, 100);
    d.record([10, 10, 10], [1, 100, 100]);
    expect(d.counts(20)).toEqual([12, 4, 4]);
  });

  it.each([sgd, adam])('the threads\' optimizer step (%o) is bit for bit the one-thread reduction and step', (make) => {
    const ds = data(65, [13], 3, 4);
    const [a, b] = [0, 1].map(() => new Network(three, { input: 13, layers: [dense(9, 'tanh'), dense(3)], seed: 2 }));
    const results = [a, b].map((net, i) => {
      const optimizer = make({ lr: 0.05 });
      net.plan(65, 65);
      const work = three.heap.group('test');
      const state = Array.from({ length: optimizer.slots }, () => work.allocF32(net.paramCount));
      const uploaded = net.upload(ds, work);
      for (let t = 1; t <= 3; t++) {
        net.gatherRows(uploaded, null, 0, 65);
        if (i === 0) { net.trainBatch(65, 'accuracy', true); optimizer.step(three.rawKernels, net.paramCount, net.paramsPtr, net.gradsPtr, state, t, 0.05); }
        else { net.trainBatch(65, 'accuracy', false); net.step(optimizer, state, t, 0.05); }
      }
      work.release();
      return net.getWeights();
    });
    expect(Array.from(results[1])).toEqual(Array.from(results[0]));
    a.dispose(); b.dispose();
  });

  it('a batch of one row runs on the caller\'s thread alone; 2 threads with dropout draw the masks one thread draws', async () => {
    // The dropout masks depend on the row's place in the batch, not on which thread computes it: with
    // plain SGD, one step from the same weights gives nearly the same weights on 1 and 2 threads.
    const ds = data(64, [13], 3, 3);
    const nets = [one, two].map((b) => new Network(b, { ...NETS.dropout.config, seed: 8 }));
    const after = await Promise.all(nets.map(async (n) => { await n.fit(ds, { epochs: 1, batchSize: 64, seed: 1 }); return n.getWeights(); }));
    expect(maxRelDiff(after[1], after[0])).toBeLessThan(1e-5);
    nets.forEach((n) => n.dispose());
  });

  it('an error in a worker becomes the caller\'s error, and the pool goes on working', async () => {
    const net = new Network(two, { input: 13, layers: [dense(4), dense(3)] });
    net.plan(64, 64);
    const pool = two.pool!;
    pool.post(0, [OP_TRAIN, 987654, 4, 0, 0, 0, 0, 0, 4]);
    expect(() => pool.wait(0)).toThrow(/worker has no replica 987654.*in worker 1/);
    if (choice !== 'js') {
      // A kernel reading past the end of memory: a WebAssembly trap in the worker (the js kernels
      // read undefined there instead: the checked kernels are what guard them).
      const id = (net as unknown as { parallel: { id: number } }).parallel.id;
      pool.post(0, [OP_PREDICT, id, 4, two.heap.memory.buffer.byteLength + 1e6]);
      expect(() => pool.wait(0)).toThrow(/memory access out of bounds \(in worker 1\)/);
    }
    const ds = data(100, [13], 3, 1);
    await net.fit(ds, { epochs: 1 });
    expect(net.evaluate(ds).accuracy).toBeGreaterThan(0);
    net.dispose();
  });

  describe('model-parallel training of dense stacks (parallel-model.ts)', () => {
    const config: NetworkConfig = { input: 13, layers: [dense(9, 'relu'), dense(7, 'leaky-relu'), dense(5, 'sigmoid'), dense(4, 'tanh'), dense(3)], seed: 6 };
    const split = (net: Network) => (net as unknown as { parallel?: { trainsModelParallel(rows: number, images?: object): boolean } }).parallel;

    it.each([1, 3, 63, 65, 256])('batch %i: the gradient on 2 and 3 threads is one thread\'s (to float rounding), all of it in the block', (batch) => {
      const ds = data(300, [13], 3, 12);
      const grads = [one, two, three].map((b) => {
        const net = new Network(b, config);
        net.plan(batch, batch);
        const work = b.heap.group('test');
        const images = net.gatherRows(net.upload(ds, work), null, 7, batch, true);
        if (b !== one) expect(split(net)!.trainsModelParallel(batch, images)).toBe(true);
        const sums = net.trainBatch(batch, 'accuracy', true, images);
        const g = net.gradients();
        // The input buffer is filled when read (fit() reads it after an epoch's last step).
        const out = net.forwardRows(batch);
        const y = b.heap.read(out, batch * 3);
        work.release();
        net.dispose();
        return { g, loss: sums.loss, y };
      });
      for (const r of grads.slice(1)) {
        let worst = 0;
        for (let i = 0; i < r.g.length; i++) worst = Math.max(worst, Math.abs(r.g[i] - grads[0].g[i]));
        expect(worst).toBeLessThan(1e-6);
        expect(r.loss).toBeCloseTo(grads[0].loss, 4);
        expect(Array.from(r.y)).toEqual(Array.from(grads[0].y));
      }
    });

    it.each([2, 3])('on %i threads the weights do not depend on the split (any split, and one that moves), bit for bit', async (threads) => {
      const wide: NetworkConfig = { input: 40, layers: [dense(32, 'relu'), dense(24, 'tanh'), dense(24, 'sigmoid'), dense(7)], seed: 8 };
      const backend = threads === 2 ? two : three;
      const ds = data(300, [40], 7, 21);
      type Split = { fixSplit(counts?: readonly number[]): number | null };
      const run = async (counts?: number[]) => {
        const net = new Network(backend, wide);
        net.plan(64, 64);
        const chunks = (net as unknown as { parallel: Split }).parallel.fixSplit(counts);
        await net.fit(ds, { epochs: 2, batchSize: 64, optimizer: adam({ lr: 0.01 }), seed: 3 });
        const w = net.getWeights();
        net.dispose();
        return { w, chunks };
      };
      const moving = await run();
      // Narrowest hidden layer 24 ≥ 4 features a chunk: 3 chunks a thread on 2 threads, 2 on 3.
      expect(moving.chunks).toBe(6);
      const splits = threads === 2 ? [[1, 5], [3, 3], [5, 1], [4, 2]] : [[1, 1, 4], [2, 2, 2], [4, 1, 1], [1, 4, 1]];
      for (const counts of splits) expect(Array.from((await run(counts)).w)).toEqual(Array.from(moving.w));
      // A split that moves at every step (a balancer that draws one), and between a batch and its step().
      const rng = new Rng(threads);
      const draw = () => { const c = Array(threads).fill(1); for (let i = threads; i < 6; i++) c[rng.int(threads)]++; return c; };
      const jumpy = new Network(backend, wide);
      jumpy.plan(64, 64);
      const moves: number[][] = [];
      (jumpy as unknown as { parallel: { balancer: { record(): number[] } } }).parallel.balancer = { record: () => { const c = draw(); moves.push(c); return c; } };
      await jumpy.fit(ds, { epochs: 2, batchSize: 64, optimizer: adam({ lr: 0.01 }), seed: 3 });
      expect(new Set(moves.map(String)).size).toBeGreaterThan(2);
      expect(Array.from(jumpy.getWeights())).toEqual(Array.from(moving.w));
      jumpy.dispose();
      // Every part on the caller alone (ModeChooser), every other step: the same weights again.
      const flipping = new Network(backend, wide);
      flipping.plan(64, 64);
      const mode = { alone: false, steps: 0, record() { this.alone = ++this.steps % 2 === 1; } };
      (flipping as unknown as { parallel: { mode: typeof mode } }).parallel.mode = mode;
      await flipping.fit(ds, { epochs: 2, batchSize: 64, optimizer: adam({ lr: 0.01 }), seed: 3 });
      expect(mode.steps).toBe(10);
      expect(Array.from(flipping.getWeights())).toEqual(Array.from(moving.w));
      flipping.dispose();
      const stepped = new Network(backend, wide), optimizer = adam({ lr: 0.01 });
      stepped.plan(64, 64);
      const work = backend.heap.group('test');
      const uploaded = stepped.upload(ds, work), state = Array.from({ length: optimizer.slots }, () => work.allocF32(stepped.paramCount));
      const par = (stepped as unknown as { parallel: Split }).parallel;
      for (let from = 0, t = 0; from < 300; from += 64) {
        const rows = Math.min(64, 300 - from);
        par.fixSplit(draw());
        stepped.trainBatch(rows, 'accuracy', false, stepped.gatherRows(uploaded, null, from, rows, true));
        par.fixSplit(draw()); // the step runs on another split than its batch
        stepped.step(optimizer, state, ++t, 0.01);
      }
      work.release();
      const once = await (async () => { const n = new Network(backend, wide); n.plan(64, 64); await n.fit(ds, { epochs: 1, batchSize: 64, optimizer: adam({ lr: 0.01 }), seed: 3, shuffle: false }); const w = n.getWeights(); n.dispose(); return w; })();
      expect(Array.from(stepped.getWeights())).toEqual(Array.from(once));
      stepped.dispose();
      // A split that is not one: the counts must cover the chunks, at least one each.
      const net = new Network(backend, wide);
      net.plan(64, 64);
      expect(() => (net as unknown as { parallel: Split }).parallel.fixSplit(threads === 2 ? [6, 0] : [2, 2, 3])).toThrow(/split needs .* add up to 6/);
      net.dispose();
    });

    it('flatten and reshape layers (no-ops) do not stand in its way', async () => {
      const c: NetworkConfig = { input: [13, 1], layers: [flatten(), dense(9, 'tanh'), reshape([3, 3]), flatten(), dense(3)], seed: 3 };
      const ds = data(100, [13, 1], 3, 15);
      const [a, b] = [one, two].map((backend) => new Network(backend, c));
      b.plan(16, 16);
      const work = two.heap.group('test');
      expect(split(b)!.trainsModelParallel(16, b.gatherRows(b.upload(ds, work), null, 0, 16, true))).toBe(true);
      work.release();
      for (const n of [a, b]) await n.fit(ds, { epochs: 2, batchSize: 16, seed: 1 });
      expect(maxRelDiff(b.getWeights(), a.getWeights())).toBeLessThan(1e-3);
      a.dispose(); b.dispose();
    });

    it('fit steps each thread\'s parameters within the batch: the same weights as trainBatch, then step', async () => {
      const ds = data(200, [13], 3, 13);
      const fitted = new Network(two, config);
      await fitted.fit(ds, { epochs: 2, batchSize: 32, optimizer: adam({ lr: 0.01 }), seed: 4, shuffle: false });
      const stepped = new Network(two, config);
      const optimizer = adam({ lr: 0.01 });
      stepped.plan(32, 32);
      const work = two.heap.group('test');
      const uploaded = stepped.upload(ds, work);
      const state = Array.from({ length: optimizer.slots }, () => work.allocF32(stepped.paramCount));
      let t = 0;
      for (let epoch = 0; epoch < 2; epoch++) {
        for (let from = 0; from < 200; from += 32) {
          const rows = Math.min(32, 200 - from);
          const images = stepped.gatherRows(uploaded, null, from, rows, true);
          expect(split(stepped)!.trainsModelParallel(rows, images)).toBe(true);
          stepped.trainBatch(rows, 'accuracy', false, images);
          stepped.step(optimizer, state, ++t, 0.01);
        }
      }
      work.release();
      expect(Array.from(stepped.getWeights())).toEqual(Array.from(fitted.getWeights()));
      fitted.dispose(); stepped.dispose();
    });

    it('the input buffer a model-parallel batch left ungathered never leaks into predict or evaluate', async () => {
      const ds = data(200, [13], 3, 14);
      const x = ds.x as Uint8Array, row = x.subarray(13 * 5, 13 * 6), pair = x.subarray(13 * 5, 13 * 7);
      const net = new Network(two, config);
      const alone = () => Array.from(net.predict(row));
      const first = () => Array.from(net.predict(pair).subarray(0, 3));
      const seen: [number[], number[]][] = [];
      const stop = new AbortController();
      await net.fit(ds, { epochs: 1, batchSize: 16, onBatch: ({ batch }) => { seen.push([alone(), first()]); if (batch === 3) stop.abort(); }, signal: stop.signal });
      for (const [a, b] of seen) expect(a).toEqual(b);
      expect(alone()).toEqual(first());
      expect(alone()).toEqual(alone());
      net.dispose();
    });

    it('other networks and batches train data-parallel', () => {
      const cases: [NetworkConfig, number[], number, number][] = [
        [{ input: [9, 9, 2], layers: [conv2d(4, 3, { activation: 'relu' }), flatten(), dense(3)] }, [9, 9, 2], 3, 64], // not only dense layers
        [{ input: 13, layers: [dense(16, 'relu'), dropout(0.3), dense(3)] }, [13], 3, 64], // dropout
        [{ input: 13, layers: [dense(9, 'relu'), dense(1)], loss: 'sigmoid-cross-entropy' }, [13], 2, 64], // a layer narrower than the threads
        [config, [13], 3, 257], // a batch too large to gain from it
      ];
      for (const [c, shape, classes, batch] of cases) {
        const net = new Network(two, c);
        net.plan(batch, batch);
        const work = two.heap.group('test');
        const images = net.gatherRows(net.upload(data(300, shape, classes, 1), work), null, 0, batch, true);
        expect(split(net)!.trainsModelParallel(batch, images)).toBe(false);
        work.release();
        net.dispose();
      }
      // Float features (no uint8 images to gather) and an augment hook (fit gathers on the caller) too.
      const net = new Network(two, config);
      net.plan(64, 64);
      expect(split(net)!.trainsModelParallel(64, undefined)).toBe(false);
      net.dispose();
    });

    if (choice !== 'js') {
      it('a worker that fails mid-step fails the caller\'s call with its error, not a hang; the pool goes on working', async () => {
        const net = new Network(two, config);
        net.plan(8, 8);
        const work = two.heap.group('test');
        const indices = work.allocI32(8, 'indices');
        // Row 0 of an "image set" 20 bytes before the end of memory: the caller's block of the
        // values (the first 7 of 13) lies inside it, the worker's does not: the worker traps while
        // the caller waits for it at a barrier.
        const src = two.heap.memory.buffer.byteLength - 10;
        expect(() => net.trainBatch(8, 'accuracy', true, { src, srcRows: 1, indices })).toThrow(/memory access out of bounds \(in worker 1\)/);
        work.release();
        // On 3 threads, worker 2's block (values 9 … 12) is the one outside: its error is the one
        // thrown, not worker 1's "another thread failed".
        const net3 = new Network(three, config);
        net3.plan(8, 8);
        const work3 = three.heap.group('test');
        const indices3 = work3.allocI32(8, 'indices');
        expect(() => net3.trainBatch(8, 'accuracy', true, { src: three.heap.memory.buffer.byteLength - 11, srcRows: 1, indices: indices3 })).toThrow(/memory access out of bounds \(in worker 2\)/);
        work3.release();
        net3.dispose();
        const ds = data(100, [13], 3, 1);
        await net.fit(ds, { epochs: 2, batchSize: 16 });
        expect(net.evaluate(ds).accuracy).toBeGreaterThan(0.3);
        net.dispose();
      });
    }
  });

  it('dispose() stops the workers; the backend then refuses work', async () => {
    const b = await createBackend({ backend: choice, threads: 2 });
    const net = new Network(b, { input: 13, layers: [dense(3)] });
    b.dispose();
    await expect(net.fit(data(10, [13], 3, 1), { epochs: 1 })).rejects.toThrow(/disposed/);
  });
});

describe('createBackend threads option', () => {
  it.each([0, 1.5, -2, 65, 'two'])('refuses threads %s', async (threads) => {
    await expect(createBackend({ backend: 'js', threads: threads as number })).rejects.toThrow(/threads must be 'auto' or an integer from 1 to 64/);
  });

  it("'auto' takes the available cores, at most 8", async () => {
    const b = await createBackend({ backend: 'wasm-simd', threads: 'auto' });
    const cores = (await import('node:os')).availableParallelism();
    expect(b.threads).toBe(Math.min(8, cores));
    b.dispose();
  });

  it.each([
    ['data-parallel (float features)', 'new Float32Array(rows * 784).map((_, i) => ((i * 37) % 11) / 11)'],
    ['model-parallel (uint8 images)', 'new Uint8Array(rows * 784).map((_, i) => (i * 37) % 251)'],
  ])('8,000 training steps never stall, %s (a handoff race once waited for a finished command until the next one)', async (_, images) => {
    // The caller and the worker finish their equal shares at about the same moment: the race needs
    // that, and thousands of handoffs (model-parallel: seven barriers a step). A child process that
    // says every 200 steps how far it got, so a stall fails by the watch (no word for 30 s; the
    // whole run takes 7 s on an idle 2-core machine, 25 s on a loaded one), not by CI's timeout,
    // and a slow host does not fail it.
    const run = await runWatched('long.mjs', `
      import { createBackend, Network, dense, fromArrays, sgd } from SIMDNET;
      const backend = await createBackend({ threads: 2 });
      const rows = 1024, x = ${images}, y = new Uint8Array(rows).map((_, i) => i % 10);
      const net = new Network(backend, { input: 784, layers: [dense(80, 'relu'), dense(70, 'tanh'), dense(10)], seed: 1 });
      let steps = 0;
      await net.fit(fromArrays({ x, shape: [784], y, classes: 10 }), { steps: 8000, evalEvery: 1e9, batchSize: 64, optimizer: sgd({ lr: 0.05 }), onBatch: () => { if (++steps % 200 === 0) console.log('at', steps); } });
      console.log('steps', steps, 'threads', backend.threads);
    `, 30_000);
    const lines = run.stdout.trim().split('\n');
    expect(run.stalled, `the run stalled (no progress for 30 s, or ${WATCH_LIMIT_MS / 1000} s in all; its last line: ${lines.at(-1) || 'none'})`).toBe(false);
    expect(run.stderr).toBe('');
    expect(lines.at(-1)).toBe('steps 8000 threads 2');
    expect(lines).toHaveLength(41);
    expect(run.status).toBe(0);
  }, WATCH_LIMIT_MS + 60_000);

  it('a script that trained on threads exits by itself, with code 0', () => {
    const run = runScript('train.mjs', `
      import { createBackend, Network, dense, fromArrays } from SIMDNET;
      const backend = await createBackend({ threads: 2 });
      const x = new Float32Array(200 * 4).map((_, i) => (i * 37) % 11 / 11), y = new Uint8Array(200).map((_, i) => i % 2);
      const net = new Network(backend, { input: 4, layers: [dense(8, 'relu'), dense(2)] });
      await net.fit(fromArrays({ x, shape: [4], y, classes: 2 }), { epochs: 2 });
      console.log('trained on', backend.threads, 'threads');
    `, 60_000);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('trained on 2 threads');
    expect(run.status).toBe(0);
  });
});
