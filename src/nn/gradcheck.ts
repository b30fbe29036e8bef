import type { Network } from './network';
import { Rng } from '../rng';

export interface TensorGradientCheck {
  name: string;
  /** Entries compared (all, or a seeded sample for large tensors). */
  checked: number;
  /** ‖analytic − numeric‖ / (‖analytic‖ + ‖numeric‖) over the checked entries. */
  relativeError: number;
  /** The worst single entry: max |a − n| / max(|a| + |n|, 1e-6). */
  maxEntryError: number;
}

export interface GradientCheckOptions {
  /** Central-difference step. Default 3e-3: on float32 heaps a smaller step drowns in rounding, a larger one straddles ReLU kinks. */
  h?: number;
  /** At most this many entries per tensor (seeded sample). Default 40. */
  samples?: number;
  seed?: number;
}

/**
 * Compares the backward pass (net.backward, the same path training takes) with central
 * differences, (L(θ+h) − L(θ−h)) / 2h, for every parameter tensor, where L is the mean loss over
 * the batch (x: rows × input values; y: one class label per row, or rows × outputs float targets).
 * Dropout is off (inference mode). The network's weights are left as they were.
 */
export function checkGradients(net: Network, x: Float32Array, y: ArrayLike<number>, options: GradientCheckOptions = {}): TensorGradientCheck[] {
  const h = options.h ?? 3e-3;
  const samples = options.samples ?? 40;
  const rng = new Rng(options.seed ?? 7);
  net.backward(x, y);
  const analytic = net.gradients();
  const { rows, metric } = net.setBatch(x, y);
  const heap = net.backend.heap;
  const loss = () => net.metrics(net.lossRows(rows, net.forwardRows(rows), false, metric), rows, metric, 0).loss;

  const results: TensorGradientCheck[] = [];
  for (const t of net.tensors) {
    const entries = t.count <= samples ? [...Array(t.count).keys()] : Array.from({ length: samples }, () => rng.int(t.count));
    let diff2 = 0, a2 = 0, n2 = 0, worst = 0;
    for (const e of entries) {
      const i = t.offset + e;
      const p = heap.views().f32;
      const at = (net.paramsPtr >>> 2) + i;
      const saved = p[at];
      p[at] = saved + h;
      const plus = loss();
      p[at] = saved - h;
      const minus = loss();
      p[at] = saved;
      const numeric = (plus - minus) / (2 * h);
      const a = analytic[i];
      diff2 += (a - numeric) ** 2;
      a2 += a * a;
      n2 += numeric * numeric;
      worst = Math.max(worst, Math.abs(a - numeric) / Math.max(Math.abs(a) + Math.abs(numeric), 1e-6));
    }
    const denom = Math.sqrt(a2) + Math.sqrt(n2);
    results.push({ name: t.name, checked: entries.length, relativeError: denom === 0 ? 0 : Math.sqrt(diff2) / denom, maxEntryError: worst });
  }
  return results;
}
