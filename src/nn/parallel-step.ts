// One thread's part of a threaded optimizer step: the parameters are cut into ranges (multiples
// of 4 floats, so every SIMD lane and tail falls where it does on one thread); each thread sums the
// shares' gradients over its range, in thread order, then steps its range. The result is bit for
// bit the whole block's reduction and step on one thread.
import type { Kernels } from '../kernels/kernels';
import type { Optimizer } from './optimizers';

/**
 * Sums gradBlocks[0 … weights.length) weighted by `weights`, then steps the parameters, over floats
 * from … from + count. The sum goes into the block of thread `own` when that is 0 or 1 (a later
 * thread's own block would be overwritten before its term is added), else into gradBlocks[0]; so
 * after a threaded step the network's block holds the mean gradient only over the caller's range.
 */
export function reduceAndStep(
  k: Kernels, optimizer: Optimizer, params: number, gradBlocks: readonly number[], weights: readonly number[],
  state: readonly number[], from: number, count: number, t: number, lr: number, own = 0,
): void {
  if (count <= 0) return;
  const at = (block: number) => block + from * 4;
  // The sum goes into this thread's own block when it is one of the first two (its lines are in
  // this core's cache; writing the first block's would move them from its owner's core). The
  // arithmetic, and so the result, is the same whichever block holds the sum.
  const g = at(gradBlocks[own <= 1 && weights.length > 1 ? own : 0]);
  for (let w = 1; w < weights.length; w++) k.weightedSum(count, w === 1 ? at(gradBlocks[0]) : g, at(gradBlocks[w]), g, w === 1 ? weights[0] : 1, weights[w]);
  optimizer.step(k, count, at(params), g, state.map(at), t, lr);
}

/** [from, count] of each thread's range of a block of `count` floats: multiples of 4, the last takes the rest. */
export function paramRanges(count: number, threads: number): [number, number][] {
  const size = Math.ceil(count / threads / 4) * 4;
  return Array.from({ length: threads }, (_, t) => {
    const from = Math.min(count, t * size);
    return [from, Math.min(count, from + size) - from];
  });
}
