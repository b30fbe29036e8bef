/**
 * The layer contract (../shared/DESIGN.md). A layer TYPE (one file in ./layers/, one row of
 * LAYER_TYPES) owns its spec, its JSON, its describe() text and how a spec becomes runtime layers.
 * A runtime LAYER owns its parameter tensors (names, shapes, init) inside the network's one
 * parameter block, its buffers on the heap, forward and backward as kernel calls, and any state
 * (a dropout RNG) that save/resume must carry. Network, the JSON form and the model file read the
 * table; none of them switches on layer types.
 */
import type { Kernels } from '../kernels/kernels';
import type { HeapRegions } from '../kernels/heap';
import type { Rng } from '../rng';
import type { Init } from './init';

/** A per-example shape: [features], [steps, features], [height, width, channels]. */
export type Shape = readonly number[];

export const sizeOf = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);

/** A parameter tensor a layer declares; the network places it in the one parameter block. */
export interface ParamSpec {
  /** 'weights', 'bias', 'angles', …: the tensor is named `${type}${specIndex}.${name}`. */
  name: string;
  shape: number[];
  /**
   * 'weights': the layer's or the network's Init, with fan-in shape[0] and fan-out shape[1];
   * a number: that constant (biases: 0); a function: draws its own values from the init RNG.
   */
  init: 'weights' | number | ((values: Float32Array, rng: Rng) => void);
}

/** See Layer.forward. */
export type ForwardMode = 'infer' | 'grad' | 'train';

export interface Layer {
  readonly type: string;
  readonly inShape: Shape;
  readonly outShape: Shape;
  readonly inSize: number;
  readonly outSize: number;
  /** This layer's Init for 'weights' tensors (else the network's). */
  readonly init?: Init;
  params(): ParamSpec[];
  /** Byte offsets of this layer's parameter and gradient tensors, in params() order. */
  bind(params: number[], grads: number[]): void;
  /**
   * Allocates buffers for forward passes of up to `rows` rows, and for backward passes (after a
   * training forward pass) of up to `trainRows` rows (trainRows ≤ rows; 0 = inference only), in
   * the network's plan group (freed together when the network plans anew or is disposed; views
   * through `regions.heap`).
   */
  plan(regions: HeapRegions, rows: number, trainRows: number): void;
  /**
   * Output offset [rows, outSize]. mode 'infer': no backward follows; 'grad': keep what backward
   * needs (rows ≤ trainRows); 'train': the same, with training-only behaviour (dropout) on.
   */
  forward(k: Kernels, rows: number, x: number, mode: ForwardMode): number;
  /** Given dL/dy, WRITES this layer's parameter gradients and returns dL/dx (0 when !needDx). */
  backward(k: Kernels, rows: number, dy: number, needDx: boolean): number;
  /**
   * With threads, the next forward pass runs on rows offset… of a batch of `total` rows: a layer
   * that draws per-row randomness (dropout) draws exactly what it would for the whole batch.
   */
  slice?(offset: number, total: number): void;
  /** Floats of forward-only buffers per row (sizes the evaluation chunk of big networks). */
  floatsPerRow?(): number;
  /** Floats of training buffers per row, when much more than forward's (the EURNN keeps every state). */
  trainFloatsPerRow?(): number;
  /** State that save/resume must carry (a dropout RNG), and its restore. */
  getState?(): number[];
  setState?(state: readonly number[]): void;
}

/** What users write: `dense(80, 'relu')`, `conv2d(32, 5, …)`; plain data (its JSON without weights). */
export interface LayerSpecBase {
  readonly type: string;
}

export interface BuildContext {
  /** The network's seed (layers with their own RNG derive theirs from it and `index`). */
  seed: number;
  /** The spec's place in the layer list. */
  index: number;
}

export interface LayerType<S extends LayerSpecBase = LayerSpecBase> {
  readonly type: S['type'];
  /**
   * Runtime layers for one spec on an input of `input` shape (desugaring in one place: dense(80,
   * 'relu') is a Dense and a ReLU, each with one job and one backward formula). Throws a ShapeError
   * saying what does not fit.
   */
  build(spec: S, input: Shape, ctx: BuildContext): Layer[];
  /**
   * The spec from its JSON (a file or a user): every field checked and normalised, unknown values
   * refused with an error naming `where` and the field.
   */
  parse(json: Readonly<Record<string, unknown>>, where: string): S;
  /** Short text for Network.describe(): '80(relu)', 'conv5×5×32', 'pool2'. */
  describe(spec: S): string;
}
