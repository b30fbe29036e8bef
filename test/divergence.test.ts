// Divergence never saves: the guard checks every optimizer step (the last one too, through the
// weights), the validation loss, and the outputs; save() and toJSON() refuse non-finite weights.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { dense } from '../src/nn/layers/index';
import { sgd, momentum, adam, adamw, rmsprop, type Optimizer } from '../src/nn/optimizers';
import { fromArrays } from '../src/data/dataset';
import { DivergenceError } from '../src/errors';
import { Rng } from '../src/rng';

const rng = new Rng(1);
const data = fromArrays({ x: Float32Array.from({ length: 50 * 8 }, () => rng.next()), shape: [8], y: Int32Array.from({ length: 50 }, () => rng.int(3)), classes: 3 });

describe('divergence', () => {
  const optimizers: [string, () => Optimizer][] = [
    ['sgd', () => sgd({ lr: 1e300 })], ['momentum', () => momentum({ lr: 1e300 })], ['adam', () => adam({ lr: 1e30 })],
    ['adamw', () => adamw({ lr: 1e30 })], ['rmsprop', () => rmsprop({ lr: 1e30 })],
  ];
  it.each(optimizers)('one batch per epoch, %s with a huge learning rate: DivergenceError, weights restored, nothing to save', async (_name, make) => {
    const backend = await createBackend('wasm-simd');
    const net = new Network(backend, { input: 8, layers: [dense(6, 'tanh'), dense(3)], init: 'glorot', seed: 2 });
    const before = net.getWeights();
    const err = await net.fit(data, { epochs: 1, batchSize: 50, optimizer: make() }).catch((e) => e);
    expect(err).toBeInstanceOf(DivergenceError);
    expect(err.message).toMatch(/training diverged (after epoch 1: the weights are not finite|after epoch 1: the last batch's mean loss after its step is|at epoch 1)/);
    expect(net.getWeights()).toEqual(before); // restored: the network is still the last good one
    expect(Number.isFinite(net.evaluate(data).loss)).toBe(true);
  });

  it('finite but huge weights: the validation loss or the outputs say so; save and toJSON refuse NaN weights', async () => {
    const backend = await createBackend('js');
    const net = new Network(backend, { input: 8, layers: [dense(6, 'relu'), dense(3)], seed: 3 });
    const w = net.getWeights().fill(8e28);
    net.setWeights(w);
    expect(() => net.predict(data)).toThrow(/predict: the network's outputs for example 0…49 are not finite/);
    w[5] = NaN;
    net.setWeights(w);
    expect(() => net.toJSON()).toThrow(/toJSON: dense0\.weights\[5\] is NaN; a network with non-finite weights \(a diverged run\) cannot be saved/);
    expect(() => net.serialize()).toThrow(DivergenceError);
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-diverged-'));
    await expect(net.save(join(dir, 'm.simdnet'))).rejects.toThrow(DivergenceError);
    await expect(net.save(join(dir, 'm.json'))).rejects.toThrow(DivergenceError);
    expect(existsSync(join(dir, 'm.simdnet')) || existsSync(join(dir, 'm.json'))).toBe(false);
  });

  it.each([['1e300', 'm.simdnet'], ['1e30', 'm.simdnet'], ['1e300', 'm.json']])('simdnet train --lr %s --save %s with one batch: exit 1, "diverged", nothing written', (lr, file) => {
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-diverged-'));
    const r = spawnSync(process.execPath, ['bin/simdnet.js', 'train', '--limit', '500', '--epochs', '1', '--batch-size', '500', '--optimizer', 'sgd', '--lr', lr, '--layers', '32:relu,10', '--save', join(dir, file)], {
      cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/diverged/);
    expect(r.stderr).not.toMatch(/saved the model/);
    expect(existsSync(join(dir, file))).toBe(false);
  });
});
