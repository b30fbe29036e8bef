import type { ModelName } from './presets';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../io/atomic-node';
import type { TrainingState } from '../nn/fit';
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
  limit?: number;
}

const FILE = 'checkpoint.json';

const b64 = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const f32 = (s: string) => { const b = Buffer.from(s, 'base64'); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };
const i32 = (s: string) => { const b = Buffer.from(s, 'base64'); return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); };

/** One JSON file (typed arrays as base64 of their little-endian bytes), written atomically. */
export async function saveCheckpoint(dir: string, config: TrainConfig, state: TrainingState): Promise<string> {
  await mkdir(dir, { recursive: true });
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

export async function loadCheckpoint(dir: string): Promise<{ config: TrainConfig; state: TrainingState }> {
  const path = join(dir, FILE);
  let body;
  try {
    body = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    fail('CHECKPOINT', `--resume: cannot read ${path}: ${(e as Error).message}`);
  }
  if (body?.format !== 'simdnet-checkpoint' || body.version !== 1 || !body.config || !body.state) {
    fail('CHECKPOINT', `--resume: ${path} is not a simdnet checkpoint (version 1)`);
  }
  const s = body.state;
  return {
    config: body.config,
    state: { ...s, weights: f32(s.weights), optimizer: { t: s.optimizer.t, state: s.optimizer.state.map(f32) }, order: i32(s.order) },
  };
}
