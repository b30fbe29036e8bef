// report.html: the run's charts (inline SVG) and configuration in one file that opens from disk
// with no server and no script.

export interface ReportPage {
  title: string;
  /** Shown as a definition list: flag or setting → value. */
  config: Record<string, unknown>;
  /** Final figures, e.g. test accuracy. */
  results: Record<string, unknown>;
  /** [caption, svg] in display order. */
  charts: [string, string][];
}

/** A fraction as the CLI prints it: 0.889 → "88.90%" (undefined stays undefined: the line is left out). */
export const percent = (x: number | undefined): string | undefined => (x === undefined ? undefined : `${(100 * x).toFixed(2)}%`);

export const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const show = (v: unknown) => escape(typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : typeof v === 'string' ? v : JSON.stringify(v));
const list = (o: Record<string, unknown>) =>
  Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `<dt>${escape(k)}</dt><dd>${show(v)}</dd>`).join('\n');

export function reportHtml(page: ReportPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(page.title)}</title>
<link rel="icon" href="data:,">
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; font-size: 0.9rem; }
  dt { color: #555; } dd { margin: 0; font-family: ui-monospace, monospace; }
  .charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
  figure { margin: 0; } figcaption { font-size: 0.85rem; color: #555; }
</style>
</head>
<body>
<h1>${escape(page.title)}</h1>
<div class="charts" style="gap: 3rem">
<section><h2>Results</h2><dl>
${list(page.results)}
</dl></section>
<section><h2>Configuration</h2><dl>
${list(page.config)}
</dl></section>
</div>
<h2>Charts</h2>
<div class="charts">
${page.charts.map(([caption, svg]) => `<figure>${svg}<figcaption>${escape(caption)}</figcaption></figure>`).join('\n')}
</div>
</body>
</html>
`;
}
