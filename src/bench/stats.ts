// Small statistics of repeated timings.

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, extremes and relative spread ((max − min) / median). */
export function summary(xs: readonly number[]): { median: number; min: number; max: number; spread: number } {
  const m = median(xs);
  const min = Math.min(...xs), max = Math.max(...xs);
  return { median: m, min, max, spread: m > 0 ? (max - min) / m : 0 };
}

/** Four significant digits: what a timing is worth on a shared machine, and short JSON. */
export const sig = (x: number): number => (x === 0 || !Number.isFinite(x) ? x : +x.toPrecision(4));
