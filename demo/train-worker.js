// Trains an MLP on MNIST inside a Web Worker, so the page stays responsive.
// Messages in:  { type: 'start', epochs, batchSize, lr, seed }, { type: 'stop' }
// Messages out: { type: 'status', text }, { type: 'backend', name, features, threads, threadNote },
//               { type: 'batch', step, epoch, batch, batches, loss, accuracy, imagesPerSecond },
//               { type: 'epoch', step, record }, { type: 'done', stopped, test, imagesPerSecond }, { type: 'error', message }
// Import maps do not reach workers, hence the path instead of 'simdnet'.
import { createBackend, parseIdx, makeDataset, split, Network, dense, adam } from '/dist/index.js';

const DATA = '/data/mnist/';
const REPORT_EVERY = 10; // batches per 'batch' message (the chart's resolution)
let controller;

async function fetchIdx(name) {
  const res = await fetch(DATA + name);
  if (!res.ok) throw new Error(`fetching ${DATA + name}: HTTP ${res.status}`);
  return parseIdx(new Uint8Array(await res.arrayBuffer()), name);
}

let data;

async function loadData() {
  postMessage({ type: 'status', text: 'Fetching the MNIST files…' });
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(fetchIdx),
  );
  const [trainSet, validation] = split(makeDataset(trainImages, trainLabels), 50_000);
  return { trainSet, validation, test: makeDataset(testImages, testLabels) };
}

async function train({ epochs = 3, batchSize = 64, lr = 0.001, seed = 1 }) {
  controller = new AbortController();
  const { trainSet, validation, test } = await (data ??= loadData());
  // A fresh backend (heap) per run; the compiled kernels are shared, so they stay optimised. Every
  // core when the page is cross-origin isolated (threads need SharedArrayBuffer); one thread, with
  // the reason in threadNote, when it is not.
  const backend = await createBackend({ threads: 'auto' });
  postMessage({ type: 'backend', name: backend.name, features: backend.features, threads: backend.threads, threadNote: backend.threadNote });
  try {
    const net = new Network(backend, { input: 784, layers: [dense(128, 'relu'), dense(10)], init: 'he', seed });
    await run(net, trainSet, validation, test, backend, { epochs, batchSize, lr, seed });
  } finally {
    backend.dispose(); // ends its workers
  }
}

async function run(net, trainSet, validation, test, backend, { epochs, batchSize, lr, seed }) {
  const batches = Math.ceil(trainSet.count / batchSize);
  let windowLoss = 0;
  let windowAccuracy = 0;
  let windowCount = 0;
  let trainedImages = 0;
  let trainingMs = 0; // time spent in training batches (validation excluded)
  let epochStart = performance.now();
  postMessage({ type: 'status', text: `Training on ${backend.name}, ${backend.threads} thread${backend.threads > 1 ? 's' : ''}…` });
  const history = await net.fit(trainSet, {
    epochs,
    batchSize,
    optimizer: adam({ lr }),
    validation,
    seed,
    yieldEvery: 10,
    signal: controller.signal,
    onBatch: ({ epoch, batch: done, batches: n, loss, accuracy }) => {
      const batch = done - 1; // onBatch counts batches from 1; this code from 0
      windowLoss += loss;
      windowAccuracy += accuracy;
      windowCount += 1;
      if (batch === 0) epochStart = performance.now();
      if ((batch + 1) % REPORT_EVERY !== 0 && batch + 1 !== n) return;
      const seen = Math.min((batch + 1) * batchSize, trainSet.count);
      const ms = trainingMs + (performance.now() - epochStart);
      postMessage({
        type: 'batch',
        step: (epoch - 1) * batches + batch + 1,
        epoch,
        batch: batch + 1,
        batches: n,
        loss: windowLoss / windowCount,
        accuracy: windowAccuracy / windowCount,
        imagesPerSecond: ((trainedImages + seen) / ms) * 1000,
      });
      windowLoss = windowAccuracy = windowCount = 0;
    },
    onEpoch: (record) => {
      trainedImages += trainSet.count;
      trainingMs += record.seconds * 1000;
      postMessage({ type: 'epoch', step: record.epoch * batches, record });
    },
  });
  const result = net.evaluate(test);
  postMessage({
    type: 'done',
    stopped: history.stopped === 'aborted',
    test: result,
    imagesPerSecond: trainingMs > 0 ? (trainedImages / trainingMs) * 1000 : undefined,
  });
}

self.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === 'stop') controller?.abort();
  if (msg.type === 'start') {
    train(msg).catch((e) => postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
  }
};
