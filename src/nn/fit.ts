import type { Network } from './network';
import type { Dataset } from '../data/dataset';
import type { Optimizer } from './optimizers';
import { sgd } from './optimizers';
import { Rng } from '../rng';
import type { BatchAugmenter } from '../digits/augment';
import { Dropout } from './conv-layers';
import { DivergenceError, SimdnetError } from '../errors';

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  validationLoss?: number;
  validationAccuracy?: number;
  /** max |w| of each layer's weights (dense and conv; Network.weightLayerNames()) at the end of the epoch. */
  maxAbsWeights: number[];
  /** The learning rate used in this epoch. */
  lr: number;
  /** Wall-clock seconds of the epoch's training (validation excluded). */
  seconds: number;
}

export interface BatchInfo {
  epoch: number;
  batch: number;
  batches: number;
  /** Mean loss and accuracy of this batch. */
  loss: number;
  accuracy: number;
}

export interface FitOptions {
  epochs?: number;
  /** Examples per step; 'full' = full-batch gradient descent. Default 64. */
  batchSize?: number | 'full';
  optimizer?: Optimizer;
  validation?: Dataset;
  /**
   * Learning-rate schedule: the optimizer's lr times a factor per epoch. 'constant' (default);
   * 'cosine': ½(1 + cos(π·(epoch−1)/epochs)), from 1 down towards 0; or a function (epoch from 1).
   */
  schedule?: 'constant' | 'cosine' | ((epoch: number, epochs: number) => number);
  /** Seeds the per-epoch shuffle; default the network's seed. */
  seed?: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  onEpoch?: (record: EpochRecord, history: History) => void | Promise<void>;
  onBatch?: (info: BatchInfo) => void;
  /** Stops training between batches; fit() then resolves with what it has (history.stopped = 'aborted'). */
  signal?: AbortSignal;
  /**
   * Stop as diverged when a batch's mean loss exceeds this many times the first batch's (or 1,
   * whichever is larger), besides any NaN or infinite loss: the softmax cross-entropy is computed
   * stably, so a blown-up run shows huge finite losses long before it shows a NaN. Default 1000;
   * Infinity turns the check off.
   */
  divergenceFactor?: number;
  /** Yield to the event loop every N batches (a browser page must not freeze). 0 = never. */
  yieldEvery?: number;
  /**
   * Modifies each gathered training batch in place before the forward pass (e.g. augmentDigits()):
   * batch holds rows × width × height floats in [0, 1]. Validation data is never augmented.
   */
  augment?: BatchAugmenter;
  /**
   * Continue a run that was stopped (history.resume of an aborted fit, possibly saved to disk and
   * loaded again). Given the same dataset and options, the run ends with the same weights, bit for
   * bit on the same backend, as one that was never interrupted.
   */
  resume?: TrainingState;
}

/** Everything needed to continue a stopped fit() exactly where it stopped. */
export interface TrainingState {
  /** The epoch in progress (from 1) and the number of its batches already done. */
  epoch: number;
  batch: number;
  weights: Float32Array;
  optimizer: { t: number; state: Float32Array[] };
  /** The shuffle RNG's state after drawing this epoch's order, and the order itself. */
  rng: number[];
  order: Int32Array;
  /** The dropout layers' RNG states, in layer order. */
  dropoutRng?: number[][];
  /** The augmenter's RNG state (when it has one). */
  augmentRng?: number[];
  /** Running sums of the epoch in progress. */
  lossSum: number;
  correct: number;
  seconds: number;
  epochs: EpochRecord[];
}

export interface History {
  epochs: EpochRecord[];
  stopped?: 'aborted';
  /** Set when stopped: pass it as `resume` to continue. */
  resume?: TrainingState;
  backend: string;
  batchSize: number;
  optimizer: string;
}

const dropouts = (net: Network) => net.layers.filter((l): l is Dropout => l instanceof Dropout);

export function scheduleFactor(schedule: FitOptions['schedule'], epoch: number, epochs: number): number {
  if (schedule === undefined || schedule === 'constant') return 1;
  if (schedule === 'cosine') return 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs));
  if (typeof schedule === 'function') return schedule(epoch, epochs);
  throw new SimdnetError('ARGUMENT', `fit: unknown schedule '${schedule}'; expected constant, cosine or a function`);
}

// setImmediate (Node) costs microseconds. Browsers have none, and nested zero timeouts are clamped
// to 4 ms, so they get a MessageChannel round trip instead (a macrotask: pending messages, such as
// a worker's stop request, and rendering run before training goes on).
let channel: MessageChannel | undefined;
const waiting: Array<() => void> = [];
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise<void>((resolve) => setImmediate(resolve));
  if (typeof MessageChannel !== 'function') return new Promise<void>((resolve) => setTimeout(resolve, 0));
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    channel!.port2.postMessage(0);
  });
}

/**
 * Minibatch training. Each epoch draws a seeded permutation of the example indices; batches are
 * gathered from the dataset (uploaded to the heap once) by those indices, so shuffling never copies
 * images. The last partial batch is used. A NaN or infinite loss restores the weights of the start
 * of the epoch and throws DivergenceError naming the epoch and batch.
 */
export async function fit(net: Network, train: Dataset, options: FitOptions = {}): Promise<History> {
  const epochs = options.epochs ?? 10;
  if (!Number.isInteger(epochs) || epochs < 1) throw new SimdnetError('ARGUMENT', `fit: epochs must be a positive integer, got ${epochs}`);
  const batchSize = options.batchSize === 'full' ? train.count : (options.batchSize ?? 64);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new SimdnetError('ARGUMENT', `fit: batchSize must be a positive integer or 'full', got ${options.batchSize}`);
  }
  const optimizer = options.optimizer ?? sgd({ lr: 0.1 });
  const yieldEvery = options.yieldEvery ?? 0;
  const backend = net.backend;
  const heap = backend.heap;
  const k = backend.rawKernels;

  net.plan(Math.max(Math.min(batchSize, train.count), Math.min(net.evalRows, Math.max(options.validation?.count ?? 0, 1))));
  const mark = heap.mark();
  const history: History = { epochs: [], backend: backend.name, batchSize, optimizer: optimizer.name };
  try {
    const trainData = net.upload(train);
    const validData = options.validation ? net.upload(options.validation) : undefined;
    const state = Array.from({ length: optimizer.slots }, (_, i) => heap.allocF32(Math.max(net.paramCount, 4), `optimizer state ${i}`));
    let t = 0;
    const resume = options.resume;
    if (resume) {
      if (resume.weights.length !== net.paramCount || resume.order.length !== train.count || resume.optimizer.state.length !== optimizer.slots) {
        throw new SimdnetError('ARGUMENT', `fit: the resume state does not fit this network, dataset or optimizer (${resume.weights.length} weights, ${resume.order.length} examples, ${resume.optimizer.state.length} optimizer slots; expected ${net.paramCount}, ${train.count}, ${optimizer.slots})`);
      }
      net.setWeights(resume.weights);
      t = resume.optimizer.t;
      resume.optimizer.state.forEach((s, i) => heap.write(state[i], s));
      history.epochs.push(...resume.epochs);
      dropouts(net).forEach((d, i) => resume.dropoutRng?.[i] && d.setRngState(resume.dropoutRng[i]));
      if (resume.augmentRng) options.augment?.setRngState?.(resume.augmentRng);
    } else if (optimizer.saved && optimizer.saved.state.length === optimizer.slots && optimizer.saved.state.every((s) => s.length === net.paramCount)) {
      t = optimizer.saved.t;
      optimizer.saved.state.forEach((s, i) => heap.write(state[i], s));
    }

    const rng = new Rng(options.seed ?? net.seed);
    const order = new Int32Array(train.count);
    const lastGood = new Float32Array(net.paramCount);
    const batches = Math.ceil(train.count / batchSize);
    const divergenceFactor = options.divergenceFactor ?? 1000;
    let firstLoss = NaN;

    for (let epoch = resume?.epoch ?? 1; epoch <= epochs; epoch++) {
      const resuming = resume !== undefined && epoch === resume.epoch;
      if (resuming) {
        order.set(resume.order);
        rng.setState(resume.rng);
      } else {
        for (let i = 0; i < order.length; i++) order[i] = i;
        if (options.shuffle !== false) rng.shuffle(order);
      }
      lastGood.set(heap.f32(net.paramsPtr, net.paramCount));
      const lr = Number(optimizer.options.lr) * scheduleFactor(options.schedule, epoch, epochs);
      if (!(lr >= 0 && Number.isFinite(lr))) throw new SimdnetError('ARGUMENT', `fit: the schedule gave learning rate ${lr} for epoch ${epoch}`);
      const started = performance.now() - (resuming ? resume.seconds * 1000 : 0);
      let lossSum = resuming ? resume.lossSum : 0, correct = resuming ? resume.correct : 0;
      for (let b = resuming ? resume.batch : 0; b < batches; b++) {
        if (options.signal?.aborted) {
          history.stopped = 'aborted';
          history.resume = {
            epoch, batch: b, weights: net.getWeights(),
            optimizer: { t, state: state.map((s) => heap.read(s, net.paramCount)) },
            rng: rng.getState(), order: order.slice(), lossSum, correct, dropoutRng: dropouts(net).map((d) => d.rngState()),
            augmentRng: options.augment?.rngState?.(),
            seconds: (performance.now() - started) / 1000, epochs: history.epochs.slice(),
          };
          return history;
        }
        const from = b * batchSize;
        const rows = Math.min(batchSize, train.count - from);
        net.setIndices(order, from, rows);
        net.gatherRows(rows, trainData);
        if (options.augment) options.augment(heap.f32(net.inputPtr, rows * net.input), rows, train.cols, train.rows);
        const [loss, right] = net.lossRows(rows, net.forwardRows(rows, true), true);
        const meanLoss = loss / rows;
        if (Number.isNaN(firstLoss)) firstLoss = meanLoss;
        if (!Number.isFinite(meanLoss) || meanLoss > divergenceFactor * Math.max(firstLoss, 1)) {
          heap.write(net.paramsPtr, lastGood);
          throw new DivergenceError(
            'DIVERGED',
            `training diverged at epoch ${epoch}, batch ${b + 1} of ${batches}: the mean loss is ${meanLoss.toPrecision(4)} ` +
              `(it was ${firstLoss.toPrecision(4)} at the first batch). The weights from the start of epoch ${epoch} were restored; ` +
              `try a lower learning rate (it was ${lr}).`,
          );
        }
        net.backwardRows(rows);
        optimizer.step(k, net.paramCount, net.paramsPtr, net.gradsPtr, state, ++t, lr);
        lossSum += loss;
        correct += right;
        options.onBatch?.({ epoch, batch: b + 1, batches, loss: loss / rows, accuracy: right / rows });
        if (yieldEvery > 0 && (b + 1) % yieldEvery === 0) await yieldToEventLoop();
      }
      const seconds = (performance.now() - started) / 1000;
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / train.count,
        trainAccuracy: correct / train.count,
        maxAbsWeights: net.maxAbsWeights(),
        lr,
        seconds,
      };
      if (validData) {
        const v = net.evaluateUploaded(validData);
        record.validationLoss = v.loss;
        record.validationAccuracy = v.accuracy;
      }
      history.epochs.push(record);
      await options.onEpoch?.(record, history);
      if (yieldEvery > 0) await yieldToEventLoop();
    }
    optimizer.saved = { t, state: state.map((s) => heap.read(s, net.paramCount)) };
    return history;
  } finally {
    heap.release(mark);
  }
}
