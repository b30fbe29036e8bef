// Live training charts: the package's Vega-Lite specs (simdnet/report, the same as the CLI's
// reports) rendered by Vega (globals from the UMD scripts in index.html). Each chart reads the named
// dataset 'rows' ({ x, value, series }), to which points are appended as training goes.
/* global vega, vegaLite */

const FLUSH_MS = 250;

/** Renders a spec into an element; returns { append(rows), rows() }. */
export async function liveChart(element, spec) {
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'svg', container: element, hover: true });
  await view.runAsync();
  // Points are buffered and drawn at most every FLUSH_MS: re-rendering the SVG for every message
  // would take the page's thread (and, on a one-core machine, the worker's core) for little gain.
  let queue = Promise.resolve();
  let pending = [];
  let timer;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const rows = pending;
    pending = [];
    if (rows.length) queue = queue.then(() => view.insert('rows', rows).runAsync());
    return queue;
  };
  return {
    view,
    append(rows) {
      pending.push(...rows);
      timer ??= setTimeout(flush, FLUSH_MS);
    },
    flush,
    clear() {
      pending = [];
      queue = queue.then(() => view.remove('rows', vega.truthy).runAsync());
      return queue;
    },
    rows: () => view.data('rows').map(({ x, value, series }) => ({ x, value, series })),
  };
}
