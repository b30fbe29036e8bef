// The commands the network-level thread code sends to workers (see parallel.ts, parallel-worker.ts).
// Each is a few numbers in the worker's slot (kernels/threads.ts); a replica's layout travels as
// JSON bytes on the shared heap.
import type { Kernels } from '../kernels/kernels';
import type { Shape } from './layer';
import type { LayerSpec } from './layers/index';
import type { LossName } from './losses';
import type { ModelPlan } from './parallel-model';

export const OP_SETUP = 1; // [op, id, jsonPtr, jsonBytes]: build (or rebuild) replica `id`
export const OP_DROP = 2; // [op, id]: forget replica `id`
export const OP_TRAIN = 3; // [op, id, rows, x, labels, targets, metric, offset, total, ...gather, ...layer states]
export const OP_EVAL = 4; // [op, id, rows, x, labels, targets, metric, ...gather]
export const OP_PREDICT = 5; // [op, id, rows, x, ...gather] → results[0] = offset of the outputs
// gather: [src, srcRows, indices], or [0, 0, 0]: with src, the share first gathers its rows' uint8
// images into x (gatherImages(rows, input, src, srcRows, indices, x)), so the threads convert the
// bytes of a chunk in parallel instead of the caller alone.
/** A share's images to gather before its forward pass (see OP_TRAIN, OP_EVAL, OP_PREDICT); indices: the chunk's first row's. */
export interface ImageGather {
  src: number;
  srcRows: number;
  indices: number;
}

/** A command's gather numbers for the share from row `first` of the chunk ([0, 0, 0]: none). */
export function gatherArgs(images: ImageGather | undefined, first: number): number[] {
  return images ? [images.src, images.srcRows, images.indices + first * 4] : [0, 0, 0];
}

/** The gather a command carries from args[at] on (undefined: none). */
export function gatherAt(args: ArrayLike<number>, at: number): ImageGather | undefined {
  return args[at] ? { src: args[at], srcRows: args[at + 1], indices: args[at + 2] } : undefined;
}

/** `rows` uint8 images of `input` values into x (scaled by 1/255), when `images` says where they are. */
export function gatherImageRows(k: Kernels, rows: number, input: number, images: ImageGather | undefined, x: number): void {
  if (images) k.gatherImages(rows, input, images.src, images.srcRows, images.indices, x);
}
export const OP_OPTIMIZER = 6; // [op, id, jsonPtr, jsonBytes]: the optimizer the next steps use (OptimizerSetup)
export const OP_STEP = 7; // [op, id, from, count, t, lr, thread, shares, ...share weights, ...state offsets]
export const OP_TRAIN_MODEL = 8; // [op, id, rows, thread, barrier, ...gather, labels, targets, metric, step?, t, lr, ...state offsets]: thread's part of a model-parallel batch (parallel-model.ts; results: its rows' loss sums), with its optimizer step when step = 1
export const OP_STEP_OWNED = 9; // [op, id, t, lr, thread, ...state offsets]: steps the parameter ranges the thread owns (model-parallel)

/** The optimizer a replica's parameter range is stepped with: its name and options (OPTIMIZERS). */
export interface OptimizerSetup {
  name: string;
  options: Record<string, number | boolean>;
}

/** A worker's replica of a network: what to build, what to bind it to, where its buffers are. */
export interface ReplicaSetup {
  input: Shape;
  specs: LayerSpec[];
  seed: number;
  loss: LossName;
  outputs: number;
  /** Per runtime layer: its parameter offsets (shared) and gradient offsets (this worker's). */
  binds: [number[], number[]][];
  rows: number;
  trainRows: number;
  /** The replica's plan as the caller allocated it: [offset, bytes] in allocation order. */
  allocations: [number, number][];
  /** The parameter block, and every thread's gradient block in thread order (the caller's first). */
  params: number;
  gradBlocks: number[];
  /** The model-parallel training plan, when the network trains that way (parallel-model.ts). */
  model: ModelPlan | null;
}
