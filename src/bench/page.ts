// index.html of `simdnet bench --out DIR`: the run's machine, a table per case and the charts
// (inline SVG), in one file that opens from disk with no server and no script.
import { escape } from '../report/report-html';
import { caseCaption, resultCells, resultColumns, runLines, unavailableLine } from './format';
import type { BenchRecord, ResultRecord, RunRecord, UnavailableRecord } from './records';

/** Results grouped by case, in the order they came. */
export function byCase(records: BenchRecord[]): ResultRecord[][] {
  const groups = new Map<string, ResultRecord[]>();
  for (const r of records) if (r.event === 'result') groups.set(`${r.workload}|${r.case}`, [...(groups.get(`${r.workload}|${r.case}`) ?? []), r]);
  return [...groups.values()];
}

const row = (cells: string[], tag: 'td' | 'th') => `<tr>${cells.map((c) => `<${tag}>${escape(c)}</${tag}>`).join('')}</tr>`;

export function benchHtml(records: BenchRecord[], charts: [string, string][]): string {
  const run = records.find((r): r is RunRecord => r.event === 'run')!;
  const missing = records.filter((r): r is UnavailableRecord => r.event === 'unavailable');
  const tables = byCase(records).map((rs) => `<section><h3>${escape(caseCaption(rs[0], rs))}</h3>
<table>${row(resultColumns(rs[0]), 'th')}
${rs.map((r) => row(resultCells(r), 'td')).join('\n')}</table></section>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>simdnet bench, ${escape(run.date.slice(0, 10))}</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.9rem; }
  td, th { padding: 0.15rem 0.7rem; text-align: right; } td:first-child, th:first-child { text-align: left; }
  th { font-weight: normal; color: #555; border-bottom: 1px solid #ccc; }
  h3 { font-size: 1rem; margin: 1.2rem 0 0.3rem; }
  .charts { display: flex; flex-wrap: wrap; gap: 1.5rem; } figure { margin: 0; } figcaption { font-size: 0.85rem; color: #555; }
  pre { font-size: 0.85rem; }
</style>
</head>
<body>
<h1>simdnet bench</h1>
<pre>${escape(runLines(run).join('\n'))}</pre>
${missing.length ? `<h2>Not measured</h2>\n<pre>${escape(missing.map(unavailableLine).join('\n'))}</pre>` : ''}
<h2>Results</h2>
${tables.join('\n')}
<h2>Charts</h2>
<div class="charts">
${charts.map(([caption, svg]) => `<figure>${svg}<figcaption>${escape(caption)}</figcaption></figure>`).join('\n')}
</div>
</body>
</html>
`;
}
