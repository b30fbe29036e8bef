// The EURNN as a layer of Network, trained by the one fit loop: batches drawn with replacement in
// steps mode, save → load → the same outputs, and a stopped run resumed bit for bit.
import { describe, it, expect, beforeAll } from 'vitest';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { eurnn, eurnnClassifier, dense, dropout } from '../src/nn/layers/index';
import { rmsprop } from '../src/nn/optimizers';
import { fromArrays, type Dataset } from '../src/data/dataset';
import { Rng } from '../src/rng';
import type { TrainingState } from '../src/nn/fit';

function sequences(count: number, steps: number, features: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = Uint8Array.from({ length: count * steps * features }, () => rng.int(256));
  const y = new Uint8Array(count);
  // The class is which third of the sequence holds the largest first feature: a long-range task.
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let t = 1; t < steps; t++) if (x[(i * steps + t) * features] > x[(i * steps + best) * features]) best = t;
    y[i] = Math.min(2, Math.floor((3 * best) / steps));
  }
  return fromArrays({ x, shape: [steps, features], y, classes: 3, name: 'sequences' });
}

describe.each(['js', 'wasm-simd'] as const)('EURNN layer on %s', (choice) => {
  let backend: Backend;
  beforeAll(async () => { backend = await createBackend(choice); });
  const make = (capacity = 3) => new Network(backend, { input: [12, 2], layers: eurnnClassifier(8, { capacity, classes: 3 }), seed: 4 });

  it('describes itself and lays out its tensors as the spec does', () => {
    const net = make(2);
    expect(net.describe()).toBe('12×2-eurnn8×2-3 softmax-cross-entropy, 75 parameters');
    expect(net.tensors.map((t) => `${t.name}[${t.shape}]`)).toEqual([
      'eurnn0.angles[2,8]', 'eurnn0.modrelu.bias[8]', 'eurnn0.input.weights[2,8]', 'eurnn0.input.bias[8]', 'dense1.weights[8,3]', 'dense1.bias[3]',
    ]);
    const w = net.getTensor('eurnn0.angles');
    expect(w.every((a) => a >= 0 && a < 2 * Math.PI)).toBe(true);
    expect(Array.from(net.getTensor('dense1.bias'))).toEqual([0.01, 0.01, 0.01].map(Math.fround));
  });

  it('trains in steps mode (batches drawn with replacement), records every evalEvery steps, and saves → loads to the same outputs', async () => {
    const data = sequences(120, 12, 2, 1);
    const net = make();
    const history = await net.fit(data, { steps: 30, evalEvery: 10, batchSize: 10, optimizer: rmsprop({ lr: 3e-3 }), validation: data, seed: 2 });
    expect(history.epochs.map((r) => r.step)).toEqual([10, 20, 30]);
    expect(history.epochs[2].epoch).toBeCloseTo((30 * 10) / 120, 10);
    expect(history.epochs.every((r) => Number.isFinite(r.validationAccuracy!))).toBe(true);
    const bytes = net.serialize();
    const loaded = Network.deserialize(backend, bytes);
    expect(loaded.describe()).toBe(net.describe());
    expect(loaded.predict(data)).toEqual(net.predict(data));
    expect(Network.fromJSON(backend, JSON.parse(JSON.stringify(net.toJSON()))).predict(data)).toEqual(net.predict(data));
  });

  it('a stopped run resumes bit for bit (steps mode)', async () => {
    const data = sequences(60, 12, 2, 3);
    const options = { steps: 12, evalEvery: 5, batchSize: 6, seed: 5, validation: data };
    const straight = make(1);
    await straight.fit(data, { ...options, optimizer: rmsprop({ lr: 3e-3 }) });
    const stopped = make(1);
    const stop = new AbortController();
    const first = await stopped.fit(data, { ...options, optimizer: rmsprop({ lr: 3e-3 }), signal: stop.signal, onBatch: (b) => { if (b.step === 7) stop.abort(); } });
    expect(first.stopped).toBe('aborted');
    expect(first.resume!.step).toBe(7);
    // Through JSON, as a checkpoint file would carry it.
    const state = JSON.parse(JSON.stringify(first.resume, (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v)));
    const resume: TrainingState = { ...state, weights: Float32Array.from(state.weights), order: Int32Array.from(state.order), optimizer: { t: state.optimizer.t, state: state.optimizer.state.map((s: number[]) => Float32Array.from(s)) } };
    const fresh = make(1);
    const rest = await fresh.fit(data, { ...options, optimizer: rmsprop({ lr: 3e-3 }), resume });
    expect(fresh.getWeights()).toEqual(straight.getWeights());
    expect(rest.epochs.map((r) => r.step)).toEqual([5, 10, 12]);
  });

  it('refuses what does not fit: not first, a flat input, an odd size', () => {
    expect(() => new Network(backend, { input: [12, 2], layers: [dense(4), eurnn(8)] })).toThrow(/layer 1 \(eurnn\): the EURNN layer must be the first layer/);
    expect(() => new Network(backend, { input: 24, layers: [eurnn(8), dense(3)] })).toThrow(/needs a sequence input \[steps, features\], got \[24\]/);
    expect(() => new Network(backend, { input: [12, 2], layers: [eurnn(7), dense(3)] })).toThrow(/units must be an even integer/);
  });
});

describe('checkpoints at period boundaries (onCheckpoint)', () => {
  it.each(['steps', 'epochs'] as const)('resuming from any periodic checkpoint ends bit for bit like the straight run (%s mode)', async (mode) => {
    const backend = await createBackend('wasm-simd');
    const data = sequences(48, 12, 2, 7);
    const make = () => new Network(backend, { input: [12, 2], layers: [eurnn(8, { capacity: 2 }), dense(6, 'tanh'), dropout(0.2), dense(3)], seed: 8 });
    const options = mode === 'steps' ? { steps: 9, evalEvery: 3, batchSize: 8, seed: 9 } : { epochs: 3, batchSize: 10, seed: 9 };
    const straight = make();
    const saved: TrainingState[] = [];
    const full = await straight.fit(data, { ...options, optimizer: rmsprop({ lr: 3e-3 }), validation: data, onCheckpoint: (s) => { saved.push(s); } });
    expect(saved.map((s) => s.epoch)).toEqual([2, 3]);
    for (const state of saved) {
      const again = make();
      const rest = await again.fit(data, { ...options, optimizer: rmsprop({ lr: 3e-3 }), validation: data, resume: state });
      expect(again.getWeights()).toEqual(straight.getWeights());
      expect(rest.epochs).toEqual(full.epochs.map((r, i) => (i < state.epoch - 1 ? r : { ...r, seconds: rest.epochs[i].seconds })));
    }
  });
});

describe('simdnet train --model eurnn --checkpoint / --resume', () => {
  it('saves the run after every validation; --resume from it ends with the weights of the straight run', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-eurnn-ck-'));
    const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/simdnet.js', 'train', ...args], { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' });
    const common = ['--steps', '6', '--eval-every', '2', '--eval-limit', '100', '--limit', '500', '--batch-size', '10', '--hidden', '16', '--backend', 'wasm-simd'];
    const straight = cli('--model', 'eurnn', ...common, '--checkpoint', join(dir, 'ck'), '--save', join(dir, 'straight.simdnet'));
    expect(straight.status, straight.stderr).toBe(0);
    const checkpoint = JSON.parse(readFileSync(join(dir, 'ck', 'checkpoint.json'), 'utf8'));
    expect([checkpoint.config.model, checkpoint.state.epoch, checkpoint.state.step]).toEqual(['eurnn', 3, 4]); // the last one written: before steps 5–6
    const resumed = cli('--resume', join(dir, 'ck'), '--save', join(dir, 'resumed.simdnet'));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming from .* at step 4/);
    const backend = await createBackend('js');
    const [a, b] = [await Network.load(join(dir, 'straight.simdnet'), backend), await Network.load(join(dir, 'resumed.simdnet'), backend)];
    expect(b.getWeights()).toEqual(a.getWeights());
  });
});

describe('a run stopped exactly at an epoch boundary', () => {
  it('resumes bit for bit (the saved order is used, not drawn again)', async () => {
    const backend = await createBackend('js');
    const rng = new Rng(3);
    const data = fromArrays({ x: Float32Array.from({ length: 40 * 5 }, () => rng.next()), shape: [5], y: Int32Array.from({ length: 40 }, () => rng.int(3)), classes: 3 });
    const make = () => new Network(backend, { input: 5, layers: [dense(6, 'tanh'), dense(3)], seed: 4 });
    const options = { epochs: 3, batchSize: 8, seed: 6 };
    const straight = make();
    await straight.fit(data, { ...options, optimizer: rmsprop({ lr: 0.01 }) });
    const stop = new AbortController();
    const stopped = make();
    const first = await stopped.fit(data, { ...options, optimizer: rmsprop({ lr: 0.01 }), signal: stop.signal, onEpoch: (r) => { if (r.epoch === 1) stop.abort(); } });
    expect([first.resume!.epoch, first.resume!.batch]).toEqual([2, 0]);
    const again = make();
    await again.fit(data, { ...options, optimizer: rmsprop({ lr: 0.01 }), resume: first.resume });
    expect(again.getWeights()).toEqual(straight.getWeights());
  });
});
