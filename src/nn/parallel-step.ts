// One thread's part of a threaded optimizer step: the parameters are cut into ranges (multiples
// of 4 floats, so every SIMD lane and tail falls where it does on one thread); each thread sums the
// shares' gradients over its range, in thread order, then steps its range. The result is bit for
// bit the whole block's reduction and step on one thread.
import type { Kernels } from '../kernels/kernels';
import type { Optimizer } from './optimizers';

/**
 * Sums gradBlocks[0 … weights.length) weighted by `weights` into gradBlocks[0], then steps the
 * parameters, over floats from … from + count.
 */
export function reduceAndStep(
  k: Kernels, optimizer: Optimizer, params: number, gradBlocks: readonly number[], weights: readonly number[],
  state: readonly number[], from: number, count: number, t: number, lr: number,
): void {
  if (count <= 0) return;
  const at = (block: number) => block + from * 4;
  const g = at(gradBlocks[0]);
  for (let w = 1; w < weights.length; w++) k.weightedSum(count, g, at(gradBlocks[w]), g, w === 1 ? weights[0] : 1, weights[w]);
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
