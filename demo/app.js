// The demo page: a drawing pad classified as you draw by the shipped model, and MNIST training in
// a Web Worker with live charts. Uses the published package through the import map in index.html.
import { createBackend, preprocessDigit } from 'simdnet';
import { loadDigitClassifier } from 'simdnet/digits';
import { seriesChartSpec } from 'simdnet/report';
import { liveChart } from './charts.js';

const $ = (id) => document.getElementById(id);

// State the end-to-end tests read (and a console user may like): predictions and training progress.
const state = { prediction: null, reason: null, probabilities: null, predictions: 0, training: { running: false, batches: [], epochs: [], done: null } };

// ---------- Draw a digit ----------
const pad = $('pad');
const ctx = pad.getContext('2d', { willReadFrequently: true });
const preview = $('preview').getContext('2d');
let drawing = false;
let last = null;
let dirty = false;
let classifier;

function clearPad() {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, pad.width, pad.height);
  preview.clearRect(0, 0, 112, 112);
  state.prediction = null;
  state.reason = null;
  state.probabilities = null;
  $('prediction').textContent = '–';
  $('prediction-note').textContent = '';
  renderBars(new Float32Array(10));
}

function point(e) {
  const r = pad.getBoundingClientRect();
  return { x: ((e.clientX - r.left) * pad.width) / r.width, y: ((e.clientY - r.top) * pad.height) / r.height };
}

function strokeTo(p) {
  ctx.strokeStyle = '#000';
  ctx.lineWidth = pad.width / 14;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(last.x, last.y);
  ctx.lineTo(p.x, p.y);
  ctx.stroke();
  last = p;
  if (!dirty) {
    dirty = true;
    requestAnimationFrame(classifyPad); // at most once per frame, however fast the pointer moves
  }
}

pad.addEventListener('pointerdown', (e) => {
  pad.setPointerCapture(e.pointerId);
  drawing = true;
  last = point(e);
  strokeTo({ x: last.x + 0.01, y: last.y });
});
pad.addEventListener('pointermove', (e) => drawing && strokeTo(point(e)));
for (const type of ['pointerup', 'pointercancel']) pad.addEventListener(type, () => (drawing = false));
$('clear').addEventListener('click', clearPad);

// What the page says when classify() finds no digit (its `reason`), or is unsure of one.
const REASONS = {
  blank: 'blank page',
  sparse: 'a dot or a speck: draw a digit',
  noise: 'noise or a filled area, not pen strokes',
  'low-confidence': 'low confidence: it may not be a digit',
};

/** The bars of the ten probabilities; the top one in red, unless there is no digit (top −1). */
function renderBars(probabilities, top = probabilities.indexOf(Math.max(...probabilities))) {
  $('bars').replaceChildren(
    ...Array.from(probabilities).flatMap((p, d) => {
      const label = Object.assign(document.createElement('span'), { textContent: String(d) });
      const bar = Object.assign(document.createElement('div'), { className: d === top && p > 0 ? 'bar top' : 'bar' });
      bar.style.width = `${Math.round(p * 160)}px`;
      const value = Object.assign(document.createElement('span'), { textContent: `${(p * 100).toFixed(1)}%` });
      return [label, bar, value];
    }),
  );
}

function renderPreview(x) {
  const img = preview.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(x[i] * 255);
    img.data.set([v, v, v, 255], i * 4);
  }
  // Draw at 28×28, then scale up ×4 without smoothing.
  const small = new OffscreenCanvas(28, 28);
  small.getContext('2d').putImageData(img, 0, 0);
  preview.imageSmoothingEnabled = false;
  preview.drawImage(small, 0, 0, 112, 112);
}

function classifyPad() {
  dirty = false;
  if (!classifier) return;
  const image = ctx.getImageData(0, 0, pad.width, pad.height);
  const { digit, probabilities, reason } = classifier.classify(image);
  renderPreview(preprocessDigit(image));
  // blank, sparse, noise: no digit, whatever the probabilities say; low-confidence: the digit, flagged.
  const noDigit = reason !== undefined && reason !== 'low-confidence';
  state.prediction = noDigit ? null : digit;
  state.reason = reason ?? null;
  state.probabilities = Array.from(probabilities);
  state.predictions += 1;
  $('prediction').textContent = noDigit ? 'no digit' : String(digit);
  $('prediction-note').textContent = reason ? `(${REASONS[reason]})` : '';
  renderBars(probabilities, noDigit ? -1 : undefined);
}

// ---------- Train in your browser ----------
let worker;
let lossChart;
let accuracyChart;

function setRunning(running) {
  state.training.running = running;
  $('train').disabled = running;
  $('stop').disabled = !running;
}

let statusTimer;
function showProgress() {
  statusTimer = undefined;
  const t = state.training;
  const msg = t.batches.at(-1);
  if (!t.running || !msg) return;
  $('train-status').textContent =
    `Epoch ${msg.epoch}, batch ${msg.batch}/${msg.batches} on ${t.backend}: loss ${msg.loss.toFixed(3)}, ` +
    `${Math.round(msg.imagesPerSecond).toLocaleString('en')} images/s`;
}

function onWorkerMessage({ data: msg }) {
  const t = state.training;
  if (msg.type === 'status') $('train-status').textContent = msg.text;
  if (msg.type === 'backend') {
    t.backend = `${msg.name}, ${msg.threads} thread${msg.threads > 1 ? 's' : ''}`;
    t.threads = msg.threads;
    // One thread because the page is not cross-origin isolated: say so, and what would fix it.
    $('thread-note').textContent = msg.threadNote ?? '';
    $('thread-note').hidden = !msg.threadNote;
  }
  if (msg.type === 'batch') {
    t.batches.push(msg);
    t.imagesPerSecond = msg.imagesPerSecond;
    lossChart.append([{ x: msg.step, value: msg.loss, series: 'training (mean of 10 batches)' }]);
    accuracyChart.append([{ x: msg.step, value: msg.accuracy, series: 'training (mean of 10 batches)' }]);
    statusTimer ??= setTimeout(showProgress, 250); // the text, like the charts, at most 4 times a second
  }
  if (msg.type === 'epoch') {
    const r = msg.record;
    t.epochs.push(r);
    lossChart.append([{ x: msg.step, value: r.validationLoss, series: 'validation' }]);
    accuracyChart.append([{ x: msg.step, value: r.validationAccuracy, series: 'validation' }]);
  }
  if (msg.type === 'done') {
    lossChart.flush();
    accuracyChart.flush();
    t.done = msg;
    setRunning(false);
    $('train-status').textContent =
      `${msg.stopped ? 'Stopped' : 'Done'} on ${t.backend}. Test accuracy ${(msg.test.accuracy * 100).toFixed(2)}%` +
      (msg.imagesPerSecond ? `, ${Math.round(msg.imagesPerSecond).toLocaleString('en')} images/s over whole epochs.` : '.');
  }
  if (msg.type === 'error') {
    t.error = msg.message;
    setRunning(false);
    $('train-status').textContent = `Error: ${msg.message}`;
  }
}

async function startTraining() {
  const epochs = Number($('epochs').value);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 50) {
    $('train-status').textContent = 'Epochs must be a whole number from 1 to 50.';
    return;
  }
  worker ??= new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = onWorkerMessage;
  worker.onerror = (e) => onWorkerMessage({ data: { type: 'error', message: e.message || 'the worker failed to start' } });
  state.training = { running: true, batches: [], epochs: [], done: null };
  await Promise.all([lossChart.clear(), accuracyChart.clear()]);
  setRunning(true);
  worker.postMessage({ type: 'start', epochs, batchSize: 64, lr: 0.001, seed: 1 });
}

$('train').addEventListener('click', startTraining);
$('stop').addEventListener('click', () => worker?.postMessage({ type: 'stop' }));

// ---------- Start-up ----------
async function main() {
  const backend = await createBackend();
  $('backend').textContent = backend.name;
  state.backend = backend.name;
  classifier = await loadDigitClassifier(backend);
  clearPad();
  lossChart = await liveChart($('loss-chart'), seriesChartSpec({ title: 'Loss', xTitle: 'batch', yTitle: 'cross-entropy' }));
  accuracyChart = await liveChart($('accuracy-chart'), seriesChartSpec({ title: 'Accuracy', xTitle: 'batch', yTitle: 'accuracy', yDomain: [0, 1] }));
  window.simdnetDemo.charts = { loss: lossChart, accuracy: accuracyChart };
}

window.simdnetDemo = { state, ready: main() };
window.simdnetDemo.ready.catch((e) => {
  document.body.prepend(Object.assign(document.createElement('pre'), { textContent: `simdnet demo failed to start: ${e.message}` }));
});
