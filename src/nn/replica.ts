// A replica: the layers and loss of a network with buffers of their own, computing on rows of a
// batch. A Network computes through its own replica; with threads, each worker holds a replica of
// the same network, bound to the SAME parameters (one shared memory) and to a gradient block of
// its own, and runs forward/loss/backward on its share of the rows (../shared/DESIGN.md, Threads).
import type { Kernels } from '../kernels/kernels';
import type { Heap, HeapRegions } from '../kernels/heap';
import type { Layer, ForwardMode } from './layer';
import type { Loss } from './losses';

/** One batch's sums: loss (in the loss's units), right answers, squared and absolute errors. */
export interface BatchSums {
  loss: number;
  correct: number;
  sse: number;
  sae: number;
}

/** How a dataset's figures are computed. */
export type MetricKind = 'accuracy' | 'element-accuracy' | 'regression';
export const METRIC_KINDS: readonly MetricKind[] = ['accuracy', 'element-accuracy', 'regression'];

export class Replica {
  /** dL/dOutput, loss statistics (f64[2]), probabilities and predicted classes. */
  private dOut = 0;
  private stats = 0;
  private probs = 0;
  private argmax = 0;

  constructor(
    readonly layers: readonly Layer[],
    readonly lossFn: Loss,
    readonly outputs: number,
    readonly k: Kernels,
    readonly heap: Heap,
  ) {}

  /** Where loss(…, grad) writes dL/dOutput: rows × outputs. */
  get outputGradient(): number {
    return this.dOut;
  }

  /** Buffers for forward passes of up to `rows` rows and backward passes of up to `trainRows`. */
  plan(regions: HeapRegions, rows: number, trainRows: number): void {
    const out = this.outputs;
    this.dOut = regions.allocF32(Math.max(trainRows, 1) * out, 'output gradient');
    this.stats = regions.alloc(16, 'loss statistics');
    this.probs = regions.allocF32(rows * out, 'probabilities');
    this.argmax = regions.allocI32(rows, 'predicted classes');
    for (const layer of this.layers) layer.plan(regions, rows, trainRows);
  }

  /**
   * Forward pass over `rows` rows at x; returns the output offset. `slice`: these rows are rows
   * offset… of a batch of `total` (a thread's share), so per-row randomness matches the whole batch's.
   */
  forward(rows: number, x: number, mode: ForwardMode, slice?: { offset: number; total: number }): number {
    for (const layer of this.layers) {
      if (slice) layer.slice?.(slice.offset, slice.total);
      x = layer.forward(this.k, rows, x, mode);
    }
    return x;
  }

  /**
   * The loss over `rows` outputs at `out` against labels (i32) or targets (f32 rows × outputs);
   * writes dL/dOutput (the mean over these rows) when `grad`.
   */
  loss(rows: number, out: number, labels: number, targets: number, grad: boolean, metric: MetricKind): BatchSums {
    const k = this.k, L = this.lossFn, n = this.outputs;
    L.run(k, rows, n, out, L.takes === 'labels' ? labels : targets, grad ? this.dOut : 0, this.stats);
    const v = this.heap.views(), s = this.stats >>> 3;
    const sums: BatchSums = { loss: v.f64[s], correct: 0, sse: 0, sae: 0 };
    if (metric === 'element-accuracy' || (metric === 'accuracy' && L.countsCorrect && (L.takes === 'labels' || n === 1))) {
      sums.correct = v.f64[s + 1];
    } else if (metric === 'accuracy' && n === 1) {
      // One output against 0/1 labels: right when (y > ½) is the label, as classify() decides.
      const o = out >>> 2, l0 = labels >>> 2;
      for (let r = 0; r < rows; r++) if ((v.f32[o + r] > 0.5 ? 1 : 0) === v.i32[l0 + r]) sums.correct++;
    } else if (metric === 'accuracy') {
      k.argmax(rows, n, out, this.argmax);
      const a0 = this.argmax >>> 2, l0 = labels >>> 2;
      for (let r = 0; r < rows; r++) if (v.i32[a0 + r] === v.i32[l0 + r]) sums.correct++;
    } else if (L.name === 'mse') {
      [sums.sse, sums.sae] = [v.f64[s], v.f64[s + 1]];
    } else {
      k.meanSquaredError(rows, n, out, targets, 0, this.stats); // the figures, besides the loss
      [sums.sse, sums.sae] = [v.f64[s], v.f64[s + 1]];
    }
    return sums;
  }

  /** Backward pass from dL/dOutput into this replica's gradient block. */
  backward(rows: number): void {
    let dy = this.dOut;
    for (let i = this.layers.length - 1; i >= 0; i--) dy = this.layers[i].backward(this.k, rows, dy, i > 0);
  }

  /** What predict() returns for outputs at y: probabilities (softmax, sigmoid) or y itself. */
  output(rows: number, y: number): number {
    const n = this.outputs, output = this.lossFn.output;
    if (output === 'softmax') this.k.softmax(rows, n, y, this.probs);
    else if (output === 'sigmoid') this.k.sigmoidForward(rows * n, y, this.probs);
    return output === 'identity' ? y : this.probs;
  }
}
