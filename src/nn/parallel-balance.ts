// Moves the model-parallel split (parallel-model.ts) towards the threads that compute faster.
//
// A core can run at a fraction of its speed for seconds (another tenant of a VM, a background job,
// an efficiency core), and then every barrier of a step waits for its thread. The balancer adds up
// the time each thread computed over a window of steps, divides it by the chunks it owned, and gives
// each thread the chunks that make the slowest finish earliest. It moves only when that promises a
// clear gain, so noise does not move chunks (and their parameters) back and forth between caches.
// The weights do not depend on the split (parallel-model.ts), only the speed does.

/** Steps per decision: long enough to average a step's noise, short against a slow spell of seconds. */
export const BALANCE_WINDOW = 16;
/** A new split must promise a step this much shorter (its slowest thread) than the current one. */
export const BALANCE_GAIN = 0.08;

/**
 * The counts of chunks (each at least 1, adding up to `chunks`) that minimise the slowest thread's
 * time, when thread t takes `perChunk[t]` per chunk: each chunk in turn goes to the thread that
 * would finish it first (optimal for equal chunks). Ties go to the lower thread.
 */
export function bestSplit(perChunk: readonly number[], chunks: number): number[] {
  const counts = perChunk.map(() => 1);
  for (let left = chunks - perChunk.length; left > 0; left--) {
    let best = 0;
    for (let t = 1; t < counts.length; t++) if ((counts[t] + 1) * perChunk[t] < (counts[best] + 1) * perChunk[best]) best = t;
    counts[best]++;
  }
  return counts;
}

/** The slowest thread's time under `counts`, at `perChunk` per chunk. */
export function slowest(perChunk: readonly number[], counts: readonly number[]): number {
  return Math.max(...counts.map((c, t) => c * perChunk[t]));
}

export class SplitBalancer {
  private readonly computed: number[];
  private steps = 0;
  /** Chunks per thread now. */
  counts: number[];

  constructor(initial: readonly number[], private readonly chunks: number) {
    this.counts = initial.slice();
    this.computed = initial.map(() => 0);
  }

  /**
   * Adds a step's compute times (ms per thread); at the end of a window, the counts to switch to,
   * or null to keep the split.
   */
  record(times: readonly number[]): number[] | null {
    times.forEach((ms, t) => { this.computed[t] += ms; });
    if (++this.steps < BALANCE_WINDOW) return null;
    const perChunk = this.computed.map((ms, t) => ms / this.counts[t]);
    this.computed.fill(0);
    this.steps = 0;
    // A thread that reported nothing (a clock that did not move) tells nothing: keep the split.
    if (!perChunk.every((x) => x > 0 && Number.isFinite(x))) return null;
    const next = bestSplit(perChunk, this.chunks);
    if (slowest(perChunk, next) > (1 - BALANCE_GAIN) * slowest(perChunk, this.counts)) return null;
    this.counts = next;
    return next;
  }
}
