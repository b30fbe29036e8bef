/**
 * The losses: one row each. A loss runs one kernel over a batch of logits/outputs and their labels
 * or targets, writes dL/dOutput when asked and leaves [sum, count] statistics (f64[2]) for the
 * metrics. Network reads this table; it does not switch on loss names.
 */
import type { Kernels } from '../kernels/kernels';

export type LossName = 'softmax-cross-entropy' | 'sigmoid-cross-entropy' | 'mse' | 'squared-error';

export interface Loss {
  readonly name: LossName;
  /**
   * 'labels': class labels only (an i32 region). 'targets': float targets [rows, outputs]; class
   * labels are turned into one-hot targets (or, for one output, the label itself: 0 or 1).
   */
  readonly takes: 'labels' | 'targets';
  /** What predict() returns: probabilities through softmax or sigmoid, or the raw outputs. */
  readonly output: 'softmax' | 'sigmoid' | 'identity';
  readonly minOutputs: number;
  /** stats[1] counts right answers (softmax: rows; sigmoid: elements with (y > 0) = (t > ½)). */
  readonly countsCorrect: boolean;
  /** Runs the loss kernel: stats[0] = the batch's loss summed in this loss's units. */
  run(k: Kernels, rows: number, n: number, out: number, y: number, dOut: number, stats: number): void;
  /** The mean loss's denominator for a batch: rows, or rows · outputs for element-wise means. */
  per(rows: number, n: number): number;
  /** Text for the docs and errors. */
  readonly summary: string;
}

export const LOSSES: { readonly [N in LossName]: Loss } = {
  'softmax-cross-entropy': {
    name: 'softmax-cross-entropy', takes: 'labels', output: 'softmax', minOutputs: 2, countsCorrect: true,
    run: (k, rows, n, out, labels, dOut, stats) => k.softmaxCrossEntropy(rows, n, out, labels, dOut, stats),
    per: (rows) => rows,
    summary: 'softmax + cross-entropy against class labels, mean over examples',
  },
  'sigmoid-cross-entropy': {
    name: 'sigmoid-cross-entropy', takes: 'targets', output: 'sigmoid', minOutputs: 1, countsCorrect: true,
    run: (k, rows, n, out, targets, dOut, stats) => k.sigmoidCrossEntropy(rows, n, out, targets, dOut, stats),
    per: (rows, n) => rows * n,
    summary: 'sigmoid + binary cross-entropy per output against 0/1 targets (binary, multi-label), computed from the logits, mean over all outputs',
  },
  mse: {
    name: 'mse', takes: 'targets', output: 'identity', minOutputs: 1, countsCorrect: false,
    run: (k, rows, n, out, targets, dOut, stats) => k.meanSquaredError(rows, n, out, targets, dOut, stats),
    per: (rows, n) => rows * n,
    summary: 'mean squared error (y − t)² over all outputs against float targets (PyTorch MSELoss)',
  },
  'squared-error': {
    name: 'squared-error', takes: 'targets', output: 'identity', minOutputs: 1, countsCorrect: false,
    run: (k, rows, n, out, targets, dOut, stats) => k.squaredError(rows, n, out, targets, dOut, stats),
    per: (rows) => rows,
    summary: '½ Σ (y − t)² per example, mean over examples (the seed networks\'; against one-hot labels or float targets)',
  },
};

export const LOSS_NAMES = Object.keys(LOSSES) as LossName[];
