// The Benchmark page: runs the suite in a worker (bench-worker.js) and shows its records as they
// come: the machine, a table per case, a bar chart per workload (the specs of `simdnet bench --out`,
// drawn by Vega), a progress bar; offers the records as JSON lines to download.
import { runLines, unavailableLine, caseCaption, resultColumns, resultCells, benchChartSpec, chartRows } from 'simdnet/bench';
/* global vega, vegaLite */

const $ = (id) => document.getElementById(id);

// What the end-to-end test reads (and a console user may like).
const state = { records: [], running: false, done: false, stopped: false, error: null, progress: { done: 0, total: 0 } };
let worker;
let downloadUrl;
const views = new Map(); // workload → Vega view

function cell(tag, text) {
  return Object.assign(document.createElement(tag), { textContent: text });
}

/** The table of a case, replaced as its results come (they come together, after its last round). */
function showCase(results) {
  const r0 = results[0];
  const id = `case-${r0.workload}-${r0.case}`;
  const section = document.getElementById(id) ?? $('results').appendChild(Object.assign(document.createElement('section'), { id, className: 'case' }));
  const row = (tag, cells) => {
    const tr = document.createElement('tr');
    tr.append(...cells.map((c) => cell(tag, c)));
    return tr;
  };
  const table = document.createElement('table');
  table.append(row('th', resultColumns(r0)), ...results.map((r) => row('td', resultCells(r))));
  section.replaceChildren(cell('h3', caseCaption(r0, results)), table);
}

/** The chart of a workload, drawn again with its results so far. */
async function showChart(workload) {
  const results = state.records.filter((r) => r.event === 'result' && r.workload === workload);
  const rows = chartRows(results);
  if (!rows.length) return;
  let element = document.getElementById(`chart-${workload}`);
  if (!element) element = $('charts').appendChild(Object.assign(document.createElement('div'), { id: `chart-${workload}`, className: 'chart' }));
  views.get(workload)?.finalize();
  const view = new vega.View(vega.parse(vegaLite.compile(benchChartSpec(workload, rows)).spec), { renderer: 'svg', container: element, hover: true });
  views.set(workload, view);
  await view.runAsync();
}

function setRunning(running) {
  state.running = running;
  $('run').disabled = running;
  $('stop').disabled = !running;
}

function offerDownload() {
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  const text = state.records.map((r) => JSON.stringify(r)).join('\n') + '\n';
  downloadUrl = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
  const date = state.records[0]?.date?.slice(0, 10) ?? 'run';
  Object.assign($('download'), { href: downloadUrl, download: `simdnet-bench-${date}.jsonl`, hidden: false });
}

let pendingCase = [];
function onRecord(record) {
  state.records.push(record);
  if (record.event === 'run') $('machine').textContent = runLines(record).join('\n');
  if (record.event === 'unavailable') $('unavailable').append(cell('li', unavailableLine(record).trim()));
  if (record.event === 'result') {
    if (pendingCase.length && pendingCase[0].case !== record.case) pendingCase = [];
    pendingCase.push(record);
    showCase(pendingCase);
    state.charting = showChart(record.workload);
  }
  if (record.event === 'done') $('status').textContent = `Done: ${record.results} results in ${record.seconds.toFixed(1)} s.`;
}

function onMessage({ data: msg }) {
  if (msg.type === 'record') onRecord(msg.record);
  if (msg.type === 'progress') {
    state.progress = { done: msg.done, total: msg.total };
    Object.assign($('progress'), { max: msg.total, value: msg.done });
    $('status').textContent = `${msg.done}/${msg.total}: ${msg.text}`;
  }
  if (msg.type === 'done' || msg.type === 'stopped' || msg.type === 'error') {
    setRunning(false);
    if (state.records.length) offerDownload();
    state.done = msg.type === 'done';
    state.stopped = msg.type === 'stopped';
    if (msg.type === 'stopped') $('status').textContent = 'Stopped.';
    if (msg.type === 'error') {
      state.error = msg.message;
      $('status').textContent = `Error: ${msg.message}`;
    }
  }
}

function start() {
  const workloads = [...document.querySelectorAll('input[name=workload]:checked')].map((i) => i.value);
  if (!workloads.length) {
    $('status').textContent = 'Choose at least one workload.';
    return;
  }
  worker ??= new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = onMessage;
  worker.onerror = (e) => onMessage({ data: { type: 'error', message: e.message || 'the worker failed to start' } });
  Object.assign(state, { records: [], done: false, stopped: false, error: null, progress: { done: 0, total: 0 } });
  pendingCase = [];
  for (const v of views.values()) v.finalize();
  views.clear();
  for (const id of ['results', 'charts', 'unavailable']) $(id).replaceChildren();
  $('machine').textContent = '';
  $('download').hidden = true;
  Object.assign($('progress'), { max: 1, value: 0 });
  $('status').textContent = 'Probing the peak, loading the data…';
  setRunning(true);
  worker.postMessage({ type: 'start', workloads, quick: $('quick').checked, peers: $('peers').checked });
}

$('run').addEventListener('click', start);
$('stop').addEventListener('click', () => worker?.postMessage({ type: 'stop' }));

window.simdnetBench = { state };
