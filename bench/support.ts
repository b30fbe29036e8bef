// Shared by the benchmark scripts: medians, JSON lines, progress (the peak probe is src/bench/peak.ts).

export { median } from '../src/bench/stats';

/** Prints one JSON line on stdout. */
export function emit(record: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(record) + '\n');
}

export const progress = (msg: string) => process.stderr.write(msg + '\n');
