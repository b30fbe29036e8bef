// Moves the model-parallel split (parallel-model.ts) towards the threads that compute faster.
//
// A core can run at a fraction of its speed for seconds (another tenant of a VM, a background job,
// an efficiency core), and then every barrier of a step waits for its thread. The balancer adds up
// the time each thread computed over a window of steps, divides it by the chunks it owned, and gives
// each thread the chunks that make the slowest finish earliest. It moves only when that promises a
// clear gain, so noise does not move chunks (and their parameters) back and forth between caches.
// The weights do not depend on the split (parallel-model.ts), only the speed does.
import { evenSplit } from './parallel-model';

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

  /** Starts from the even split of `chunks` between `threads` (the one a plan starts with). */
  constructor(threads: number, private readonly chunks: number) {
    this.counts = evenSplit(threads, chunks);
    this.computed = this.counts.map(() => 0);
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

/** Rows a share must have before predict() shares rows unevenly: the GEMM's few-rows path (under 4 rows) sums in another order. */
export const MIN_BALANCED_SHARE = 4;
/** Weight of the newest call in the running estimate of each thread's time per row. */
const RATE_WEIGHT = 0.3;

/**
 * Shares the rows of predict()'s chunks between the threads in proportion to the speed each showed
 * on the chunks before (a running mean of its milliseconds per row). A row's outputs do not depend
 * on the share it falls in (rows are independent; every share has MIN_BALANCED_SHARE rows or
 * more), so only the speed changes. Evaluation keeps even shares: its loss is summed per share.
 */
export class RowBalancer {
  private perRow: number[] | null = null;

  /** `workerRows`: the most rows a worker's replica holds (the caller's buffer holds the whole chunk). */
  constructor(private readonly threads: number, private readonly workerRows: number) {}

  /** The rows of each thread's share of `rows` (the caller's first), or null for even shares. */
  counts(rows: number): number[] | null {
    const rate = this.perRow, T = this.threads;
    if (!rate || rows < MIN_BALANCED_SHARE * T) return null;
    const speed = rate.map((r) => 1 / r), total = speed.reduce((a, b) => a + b, 0);
    const counts = speed.map((s) => Math.max(MIN_BALANCED_SHARE, Math.min(this.workerRows, Math.round((rows * s) / total))));
    // The caller takes what is left (its buffer holds every row); if that is too few, the largest
    // worker share gives a row back, one at a time (it has more than 4: rows ≥ 4 · threads).
    counts[0] = rows - counts.slice(1).reduce((a, b) => a + b, 0);
    while (counts[0] < MIN_BALANCED_SHARE) {
      let w = 1;
      for (let t = 2; t < T; t++) if (counts[t] > counts[w]) w = t;
      counts[w]--;
      counts[0]++;
    }
    return counts;
  }

  /** Adds a call's milliseconds per thread for its shares' rows. */
  record(rows: readonly number[], ms: readonly number[]): void {
    if (rows.length !== this.threads || !ms.every((x, t) => x > 0 && Number.isFinite(x) && rows[t] > 0)) return;
    const now = ms.map((x, t) => x / rows[t]);
    this.perRow = this.perRow ? this.perRow.map((r, t) => (1 - RATE_WEIGHT) * r + RATE_WEIGHT * now[t]) : now;
  }
}

/** Steps per window of the ModeChooser. */
export const MODE_WINDOW = 16;
/** Windows between trials of the mode not preferred: at first, and at most (doubling after each trial that lost). */
export const FIRST_TRIAL = 16, LAST_TRIAL = 128;
/** How much shorter a step alone must be to leave threads for it (threads win back on any gain). */
export const ALONE_GAIN = 0.25;

/**
 * Whether model-parallel steps run on every thread or all their parts on the caller alone (the same
 * weights either way, bit for bit: parallel-model.ts). Two threads gain only while both run at
 * once; when a host runs the two virtual CPUs in turns, each barrier waits out the other's slice
 * (milliseconds), and one thread alone is several times faster. The chooser keeps each mode's
 * median step time over its last window of MODE_WINDOW steps (a median: one hiccup of the host
 * does not decide) and runs the faster; now and then it tries the other for one window (rarer
 * after each try that lost). It leaves threads only for steps ALONE_GAIN shorter: on a busy host
 * two windows' medians differ by 10-20% by chance, and a wrong switch to alone costs up to
 * FIRST_TRIAL windows at one thread's speed (seen: 256 steps of an epoch at 613 µs alone against
 * 417 µs threaded), while the case it is for is 3 times slower threaded.
 */
export class ModeChooser {
  /** Whether the next step runs on the caller alone. */
  alone = false;
  /** The mode it runs between trials. */
  private preferAlone = false;
  private readonly last = [NaN, NaN]; // ms per step: [threads, alone]
  private readonly window: number[] = [];
  private windows = 0;
  private interval = FIRST_TRIAL;
  private trying = false;

  /** Adds a step's wall milliseconds (in the mode `alone` said). */
  record(ms: number): void {
    this.window.push(ms);
    if (this.window.length < MODE_WINDOW) return;
    this.window.sort((a, b) => a - b);
    this.last[this.alone ? 1 : 0] = this.window[MODE_WINDOW >> 1];
    this.window.length = 0;
    const [threads, alone] = this.last;
    // false until a window alone was measured (NaN compares false)
    const preferAlone = this.preferAlone ? !(threads < alone) : alone < (1 - ALONE_GAIN) * threads;
    if (this.trying) {
      this.interval = preferAlone !== this.preferAlone ? FIRST_TRIAL : Math.min(2 * this.interval, LAST_TRIAL);
      this.trying = false;
      this.windows = 0;
    } else if (preferAlone !== this.preferAlone) {
      // The mode it ran lost its lead (the host changed): try the other again soon.
      this.interval = FIRST_TRIAL;
      this.windows = 0;
    }
    this.preferAlone = preferAlone;
    this.trying = ++this.windows >= this.interval;
    this.alone = this.trying ? !preferAlone : preferAlone;
  }
}
