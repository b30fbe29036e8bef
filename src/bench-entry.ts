// dist/bench.js: the benchmark suite for pages (the demo's Benchmark page runs it in a worker). Not
// an export of the package (the CLI carries the same code as `simdnet bench`); browser-safe: no node:
// module is reachable from here.
export { runSuite, OUR_BACKENDS } from './bench/suite';
export type { Environment, SuiteOptions, SuiteEvents } from './bench/suite';
export { browserEnvironment } from './bench/browser';
export type { BrowserPaths } from './bench/browser';
export { WORKLOADS, BENCH_SCHEMA, variantLabel } from './bench/records';
export type { BenchRecord, RunRecord, ResultRecord, UnavailableRecord, DoneRecord, WorkloadName, Machine, Peak } from './bench/records';
export { caseCaption, resultColumns, resultCells, runLines, unavailableLine, formatSeconds, formatNumber } from './bench/format';
export { benchChartSpec, chartRows } from './bench/specs';
