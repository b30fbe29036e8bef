import type { ModelName } from './presets';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite, ensureDir } from '../io/atomic-node';
import type { EpochRecord, TrainingState } from '../nn/fit';
import { OPTIMIZERS } from '../nn/optimizers';
import { fail } from '../errors';

/** The run's configuration as the CLI resolved it: what --resume needs to rebuild the same run. */
export interface TrainConfig {
  model?: ModelName;
  dataset: string;
  layers: string;
  init: string;
  epochs: number;
  batchSize: number;
  optimizer: string;
  lr?: number;
  schedule: 'constant' | 'cosine';
  seed: number;
  /** Seeded digit augmentation of the training batches (augmentDigits with the run's seed). */
  augment?: boolean;
  backend: string;
  /** Threads (absent in checkpoints of runs before threads: 1). */
  threads?: number | 'auto';
  limit?: number;
}

/** `simdnet train --model eurnn`'s configuration: what --resume needs to rebuild the same run. */
export interface EurnnTrainConfig {
  model: 'eurnn';
  steps: number;
  evalEvery: number;
  evalLimit?: number;
  hidden: number;
  capacity: number;
  batchSize: number;
  lr: number;
  seed: number;
  permSeed: number;
  dataset: string;
  backend: string;
  threads?: number | 'auto';
  limit?: number;
}

const FILE = 'checkpoint.json';
/** The --backend choices (train.ts), which a checkpoint's configuration must be one of. */
const BACKENDS = ['auto', 'wasm', 'js', 'wasm-simd', 'wasm-relaxed'];

const b64 = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** One JSON file (typed arrays as base64 of their little-endian bytes), written atomically. */
export async function saveCheckpoint(dir: string, config: TrainConfig | EurnnTrainConfig, state: TrainingState): Promise<string> {
  await ensureDir(dir);
  const path = join(dir, FILE);
  const body = {
    format: 'simdnet-checkpoint', version: 1, config,
    state: {
      ...state,
      weights: b64(state.weights),
      optimizer: { t: state.optimizer.t, state: state.optimizer.state.map(b64) },
      order: b64(state.order),
    },
  };
  await atomicWrite(path, JSON.stringify(body));
  return path;
}

/**
 * Reads a checkpoint, checking every field before anything uses it: a damaged or edited file is a
 * CheckpointError that says which field is wrong, never a crash further on.
 */
export async function loadCheckpoint(dir: string): Promise<{ config: TrainConfig | EurnnTrainConfig; state: TrainingState }> {
  const path = join(dir, FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    fail('CHECKPOINT', `--resume: cannot read ${path}: ${(e as Error).message}`);
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    fail('CHECKPOINT', `--resume: ${path} is not valid JSON (${(e as Error).message}); the file is damaged`);
  }
  if (body?.format !== 'simdnet-checkpoint' || body.version !== 1) {
    fail('CHECKPOINT', `--resume: ${path} is not a simdnet checkpoint (version 1)`);
  }
  const damaged = (what: string): never => fail('CHECKPOINT', `--resume: ${path} is damaged: ${what}`);
  const check = (field: string, ok: (v: unknown) => boolean, want: string) => {
    const value = field.split('.').reduce((o, k) => o?.[k], body);
    if (!ok(value)) damaged(`${field} must be ${want}, got ${shown(value)}`);
  };
  const optional = (ok: (v: unknown) => boolean) => (v: unknown) => v === undefined || ok(v);

  check('config', isObject, 'an object');
  check('config.model', optional(isString), 'a model name');
  const eurnn = body.config.model === 'eurnn';
  check('config.dataset', isString, 'a string');
  check('config.batchSize', (v) => isInt(v, 1), 'an integer ≥ 1');
  check('config.seed', (v) => isInt(v, 0, 2 ** 32 - 1), 'an integer in 0…4294967295');
  check('config.backend', (v) => BACKENDS.includes(v as string), `one of ${BACKENDS.join(', ')}`);
  check('config.threads', optional((v) => v === 'auto' || isInt(v, 1, 64)), "'auto' or an integer in 1…64");
  check('config.limit', optional((v) => isInt(v, 0)), 'an integer ≥ 0');
  if (eurnn) {
    for (const f of ['steps', 'evalEvery', 'capacity']) check(`config.${f}`, (v) => isInt(v, 1), 'an integer ≥ 1');
    check('config.hidden', (v) => isInt(v, 2) && (v as number) % 2 === 0, 'an even integer ≥ 2');
    check('config.evalLimit', optional((v) => isInt(v, 0)), 'an integer ≥ 0');
    check('config.lr', (v) => isNumber(v) && (v as number) > 0, 'a positive number');
    check('config.permSeed', (v) => isInt(v, 0, 2 ** 32 - 1), 'an integer in 0…4294967295');
  } else {
    for (const f of ['layers', 'init']) check(`config.${f}`, isString, 'a string');
    check('config.epochs', (v) => isInt(v, 1), 'an integer ≥ 1');
    check('config.optimizer', (v) => Object.keys(OPTIMIZERS).includes(v as string), `one of ${Object.keys(OPTIMIZERS).join(', ')}`);
    check('config.lr', optional((v) => isNumber(v) && (v as number) > 0), 'a positive number');
    check('config.schedule', (v) => v === 'constant' || v === 'cosine', 'constant or cosine');
    check('config.augment', optional((v) => typeof v === 'boolean'), 'true or false');
  }

  const config = body.config as TrainConfig | EurnnTrainConfig;
  // Epochs, or (steps mode) record periods of evalEvery steps.
  const periods = config.model === 'eurnn' ? Math.ceil(config.steps / config.evalEvery) : config.epochs;
  check('state', isObject, 'an object');
  check('state.epoch', (v) => isInt(v, 1, periods), `an integer in 1…${periods} (the run's ${eurnn ? 'validation periods' : 'epochs'})`);
  check('state.batch', (v) => isInt(v, 0), 'an integer ≥ 0');
  check('state.step', optional((v) => isInt(v, 0)), 'an integer ≥ 0');
  check('state.weights', (v) => isBase64(v, 4), 'base64 of float32 values');
  check('state.optimizer', isObject, 'an object');
  check('state.optimizer.t', (v) => isInt(v, 0), 'an integer ≥ 0');
  check('state.optimizer.state', (v) => Array.isArray(v) && v.every((s) => isBase64(s, 4)), 'a list of base64 float32 arrays');
  check('state.rng', isRngState, 'a list of 4 integers in 0…4294967295');
  check('state.order', (v) => isBase64(v, 4), 'base64 of int32 values');
  check('state.layerState', optional((v) => Array.isArray(v) && v.every((s) => s === null || (Array.isArray(s) && s.every(isNumber)))), 'a list of number lists or nulls');
  check('state.augmentRng', optional(isRngState), 'a list of 4 integers in 0…4294967295');
  for (const f of ['lossSum', 'correct', 'seconds']) check(`state.${f}`, isNumber, 'a number');
  for (const f of ['sse', 'sae', 'examples']) check(`state.${f}`, optional(isNumber), 'a number');
  check('state.epochs', (v) => Array.isArray(v) && v.every(isEpochRecord), 'a list of epoch records ({ epoch, step, trainLoss, maxAbsWeights, lr, seconds })');

  const s = body.state;
  const weights = f32(s.weights);
  const order = i32(s.order);
  // The epoch's shuffled order indexes the training set: a permutation of 0…n-1, else reads would stray.
  // (Empty in steps mode and at the start of an epoch: the order is drawn when the epoch starts.)
  const seen = new Uint8Array(order.length);
  for (const i of order) {
    if (i < 0 || i >= order.length || seen[i]) damaged(`state.order must be a permutation of 0…${order.length - 1} (it holds ${i}${seen[i] ? ' twice' : ''})`);
    seen[i] = 1;
  }
  if (!weights.every(Number.isFinite)) damaged('state.weights holds NaN or infinite values');
  const optimizerState = (s.optimizer.state as string[]).map(f32);
  if (optimizerState.some((a) => a.length !== weights.length)) damaged(`every optimizer state must hold ${weights.length} values (one per weight)`);
  return { config, state: { ...s, weights, optimizer: { t: s.optimizer.t, state: optimizerState }, order } };
}

/** The checkpoint's state against the network, data and optimizer that --resume rebuilt from its configuration. */
export function checkResumeFits(dir: string, state: TrainingState, sizes: { weights: number; examples: number; optimizerSlots: number }): void {
  const problems = [
    state.weights.length !== sizes.weights && `${state.weights.length} weights where the network has ${sizes.weights}`,
    state.order.length !== sizes.examples && !(state.order.length === 0 && (state.batch === 0 || sizes.examples === 0)) && `an order of ${state.order.length} examples where the training set has ${sizes.examples}`,
    state.optimizer.state.length !== sizes.optimizerSlots && `${state.optimizer.state.length} optimizer state arrays where the optimizer has ${sizes.optimizerSlots}`,
  ].filter(Boolean);
  if (problems.length) fail('CHECKPOINT', `--resume: ${join(dir, FILE)} does not fit the run its configuration describes: ${problems.join('; ')}`);
}

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const isRngState = (v: unknown) => Array.isArray(v) && v.length === 4 && v.every((x) => isInt(x, 0, 2 ** 32 - 1));
const isBase64 = (v: unknown, unit: number) => typeof v === 'string' && v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && Buffer.byteLength(v, 'base64') % unit === 0;
const isEpochRecord = (r: unknown) => isObject(r) && ['epoch', 'step', 'trainLoss', 'lr', 'seconds'].every((k) => isNumber((r as Record<string, unknown>)[k]))
  && Array.isArray((r as EpochRecord).maxAbsWeights) && (r as EpochRecord).maxAbsWeights.every(isNumber);
const shown = (v: unknown) => { const s = JSON.stringify(v) ?? 'nothing'; return s.length > 60 ? `${s.slice(0, 57)}…` : s; };
const bytes = (s: string) => { const b = Buffer.from(s, 'base64'); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); };
const f32 = (s: string) => new Float32Array(bytes(s));
const i32 = (s: string) => new Int32Array(bytes(s));
