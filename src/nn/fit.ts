import type { Network, Metrics, BatchSums } from './network';
import type { Dataset } from '../data/dataset';
import type { Optimizer } from './optimizers';
import { sgd } from './optimizers';
import { Rng } from '../rng';
import { fail } from '../errors';

/**
 * A hook that modifies each gathered training batch in place (rows × width × height floats), e.g.
 * augmentDigits(). A seeded one exposes its RNG state so checkpoints can carry it.
 */
export interface BatchAugmenter {
  (batch: Float32Array, rows: number, width: number, height: number): void;
  rngState?(): number[];
  setRngState?(state: readonly number[]): void;
}

/** One history record: the end of an epoch, or of `evalEvery` steps in steps mode. */
export interface EpochRecord {
  /** Epochs mode: the epoch (from 1). Steps mode: examples drawn so far / training examples. */
  epoch: number;
  /** Optimizer steps so far. */
  step: number;
  /** Mean loss of the training batches since the previous record. */
  trainLoss: number;
  /** Class labels (and 0/1 targets): the training batches' accuracy. */
  trainAccuracy?: number;
  /** Float targets: the training batches' mean squared and absolute error. */
  trainMse?: number;
  trainMae?: number;
  validationLoss?: number;
  validationAccuracy?: number;
  validationMse?: number;
  validationMae?: number;
  validationR2?: number;
  /** max |w| of each weights tensor (Network.weightLayerNames()) at the end of the record. */
  maxAbsWeights: number[];
  /** The learning rate used. */
  lr: number;
  /** Wall-clock seconds of the training steps of this record (validation excluded). */
  seconds: number;
}

export interface BatchInfo {
  epoch: number;
  /** The batch within the epoch (steps mode: within the record's period), from 1. */
  batch: number;
  batches: number;
  /** Optimizer steps so far, this one included. */
  step: number;
  /** This batch's mean loss, and its accuracy for class labels. */
  loss: number;
  accuracy?: number;
}

export interface FitOptions {
  /** Passes over the shuffled training set. Default 10 (unless `steps` is given). */
  epochs?: number;
  /**
   * Instead of epochs: this many optimizer steps on batches drawn at random WITH replacement (the
   * EURNN reference's sampling), with a history record (and validation) every `evalEvery` steps.
   */
  steps?: number;
  /** Steps mode: steps between records. Default min(500, steps). */
  evalEvery?: number;
  /** Examples per step; 'full' = full-batch gradient descent. Default 64. */
  batchSize?: number | 'full';
  optimizer?: Optimizer;
  validation?: Dataset;
  /**
   * Learning-rate schedule: the optimizer's lr times a factor per epoch (steps mode: per record
   * period). 'constant' (default); 'cosine': ½(1 + cos(π·(epoch−1)/epochs)); or a function (epoch from 1).
   */
  schedule?: 'constant' | 'cosine' | ((epoch: number, epochs: number) => number);
  /** Seeds the shuffles or the batch draws; default the network's seed. */
  seed?: number;
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
  onEpoch?: (record: EpochRecord, history: History) => void | Promise<void>;
  onBatch?: (info: BatchInfo) => void;
  /**
   * After each record but the last: the state at the start of the next epoch (period), to save
   * for a resume after a crash or on another machine (`resume` continues it bit for bit).
   */
  onCheckpoint?: (state: TrainingState) => void | Promise<void>;
  /** Stops training between batches; fit() then resolves with what it has (history.stopped = 'aborted'). */
  signal?: AbortSignal;
  /**
   * Stop as diverged when a batch's mean loss exceeds this many times the first batch's (or 1,
   * whichever is larger), besides any NaN or infinite loss. Default 1000; Infinity turns it off.
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
  /** The epoch (steps mode: record period) in progress, from 1, and its batches already done. */
  epoch: number;
  batch: number;
  /** Optimizer steps done. */
  step?: number;
  weights: Float32Array;
  optimizer: { t: number; state: Float32Array[] };
  /** The shuffle/draw RNG's state, and the epoch's order (empty in steps mode). */
  rng: number[];
  order: Int32Array;
  /** Each runtime layer's state (a dropout RNG), null for stateless layers. */
  layerState?: (number[] | null)[];
  /** The augmenter's RNG state (when it has one). */
  augmentRng?: number[];
  /** Running sums of the period in progress. */
  lossSum: number;
  correct: number;
  sse?: number;
  sae?: number;
  examples?: number;
  /** The first batch's mean loss (the divergence guard's yardstick). */
  firstLoss?: number;
  seconds: number;
  epochs: EpochRecord[];
}

/** A resume state checked against the run before anything of it is used: a wrong one is an ARGUMENT error, never a stray write. */
function checkResume(r: TrainingState, run: { params: number; examples: number; slots: number; stepsMode: boolean; periods: number; layers: readonly (number[] | null)[] }): void {
  const problems: string[] = [];
  const isCount = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
  if (!(r.weights instanceof Float32Array) || r.weights.length !== run.params) problems.push(`weights: ${r.weights?.length} values for ${run.params} parameters`);
  if (!isCount(r.epoch, 1, run.periods)) problems.push(`epoch ${r.epoch} is not in 1…${run.periods}`);
  if (!isCount(r.batch, 0)) problems.push(`batch ${r.batch} is not a count`);
  if (!isCount(r.optimizer?.t, 0)) problems.push(`optimizer step ${r.optimizer?.t} is not a count`);
  const slots = r.optimizer?.state;
  if (!Array.isArray(slots) || slots.length !== run.slots) problems.push(`${slots?.length} optimizer state arrays for an optimizer with ${run.slots}`);
  else slots.forEach((s, i) => { if (!(s instanceof Float32Array) || s.length !== run.params) problems.push(`optimizer state ${i}: ${s?.length} values for ${run.params} parameters`); });
  if (!Array.isArray(r.rng) || r.rng.length !== 4 || !r.rng.every((v) => isCount(v, 0, 2 ** 32 - 1))) problems.push('rng must be 4 integers in 0…4294967295');
  const order = r.order;
  if (!(order instanceof Int32Array)) problems.push('order must be an Int32Array');
  else if (order.length > 0) {
    if (run.stepsMode || order.length !== run.examples) problems.push(`an order of ${order.length} examples where ${run.stepsMode ? 'steps mode keeps none' : `the training set has ${run.examples}`}`);
    else {
      const seen = new Uint8Array(order.length);
      for (const i of order) {
        if (!(i >= 0 && i < order.length) || seen[i]) { problems.push(`order is not a permutation of 0…${order.length - 1} (it holds ${i}${seen[i] ? ' twice' : ''})`); break; }
        seen[i] = 1;
      }
    }
  } else if (!run.stepsMode && r.batch > 0) problems.push('a stop within an epoch needs that epoch\'s order');
  r.layerState?.forEach((s, i) => {
    if (s !== null && (run.layers[i] === null || run.layers[i] === undefined || !Array.isArray(s) || s.length !== run.layers[i]!.length || !s.every((v) => isCount(v, 0, 2 ** 32 - 1)))) {
      problems.push(`layer state ${i} does not fit layer ${i}`);
    }
  });
  if (problems.length) fail('ARGUMENT', `fit: the resume state does not fit this run: ${problems.join('; ')}`);
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

export function scheduleFactor(schedule: FitOptions['schedule'], epoch: number, epochs: number): number {
  if (schedule === undefined || schedule === 'constant') return 1;
  if (schedule === 'cosine') return 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs));
  if (typeof schedule === 'function') return schedule(epoch, epochs);
  return fail('ARGUMENT', `fit: unknown schedule '${schedule}'; expected constant, cosine or a function`);
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

const positiveInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;

/**
 * The one training loop. Epochs mode: each epoch draws a seeded permutation of the example
 * indices and walks it in batches (the last partial batch is used). Steps mode: each step draws
 * `batchSize` indices at random with replacement. Batches are gathered from the dataset by index
 * (uint8 data uploaded to the heap once), so shuffling never copies examples. A NaN, infinite or
 * exploding loss restores the weights of the start of the epoch/period and throws DivergenceError
 * naming the epoch and batch.
 */
export async function fit(net: Network, train: Dataset, options: FitOptions = {}): Promise<History> {
  const stepsMode = options.steps !== undefined;
  if (stepsMode && options.epochs !== undefined) fail('ARGUMENT', 'fit: give epochs or steps, not both');
  const epochs = options.epochs ?? 10;
  if (!stepsMode && !positiveInt(epochs)) fail('ARGUMENT', `fit: epochs must be a positive integer, got ${epochs}`);
  if (stepsMode && !positiveInt(options.steps)) fail('ARGUMENT', `fit: steps must be a positive integer, got ${options.steps}`);
  const steps = options.steps ?? 0;
  const evalEvery = options.evalEvery ?? Math.min(500, steps);
  if (stepsMode && !positiveInt(evalEvery)) fail('ARGUMENT', `fit: evalEvery must be a positive integer, got ${options.evalEvery}`);
  if (typeof train !== 'object' || train === null) fail('ARGUMENT', 'fit: expected a Dataset (see fromArrays)');
  const batchSize = options.batchSize === 'full' ? train.count : (options.batchSize ?? 64);
  if (!positiveInt(batchSize)) fail('ARGUMENT', `fit: batchSize must be a positive integer or 'full', got ${options.batchSize}`);
  const optimizer = options.optimizer ?? sgd({ lr: 0.1 });
  const yieldEvery = options.yieldEvery ?? 0;
  const backend = net.backend;
  const heap = backend.heap;
  const k = backend.rawKernels;

  // Batches of at most `batchRows` rows (epochs mode: never more than the data).
  const batchRows = stepsMode ? batchSize : Math.min(batchSize, train.count);
  net.plan(Math.max(batchRows, Math.min(net.evalRows, Math.max(options.validation?.count ?? 0, 1))), batchRows);
  // The fit's own regions (uploaded data, optimizer state), freed when it ends, however it ends.
  const work = heap.group('fit work buffers');
  const history: History = { epochs: [], backend: backend.name, batchSize, optimizer: optimizer.name };
  try {
    const trainData = net.upload(train, work);
    const validData = options.validation ? net.upload(options.validation, work) : undefined;
    const state = Array.from({ length: optimizer.slots }, (_, i) => work.allocF32(Math.max(net.paramCount, 4), `optimizer state ${i}`));
    let t = 0;
    const resume = options.resume;
    if (resume) {
      checkResume(resume, { params: net.paramCount, examples: train.count, slots: optimizer.slots, stepsMode, periods: stepsMode ? Math.ceil(steps / evalEvery) : epochs, layers: net.layerStates() });
      net.setWeights(resume.weights);
      t = resume.optimizer.t;
      resume.optimizer.state.forEach((s, i) => heap.write(state[i], s));
      history.epochs.push(...resume.epochs);
      if (resume.layerState) net.setLayerStates(resume.layerState);
      if (resume.augmentRng) options.augment?.setRngState?.(resume.augmentRng);
    } else if (optimizer.saved && optimizer.saved.state.length === optimizer.slots && optimizer.saved.state.every((s) => s.length === net.paramCount)) {
      t = optimizer.saved.t;
      optimizer.saved.state.forEach((s, i) => heap.write(state[i], s));
    }

    const rng = new Rng(options.seed ?? net.seed);
    const order = new Int32Array(stepsMode ? batchSize : train.count);
    const lastGood = new Float32Array(net.paramCount);
    const periods = stepsMode ? Math.ceil(steps / evalEvery) : epochs;
    const batchesIn = (p: number) => (stepsMode ? Math.min(evalEvery, steps - (p - 1) * evalEvery) : Math.ceil(train.count / batchSize));
    const divergenceFactor = options.divergenceFactor ?? 1000;
    if (!(divergenceFactor > 0)) fail('ARGUMENT', `fit: divergenceFactor must be a positive number (Infinity turns the check off), got ${options.divergenceFactor}`);
    const metric = trainData.metric;
    const where = (p: number) => (stepsMode ? `steps ${(p - 1) * evalEvery + 1}–${Math.min(p * evalEvery, steps)}` : `epoch ${p}`);
    let firstLoss = resume?.firstLoss ?? NaN;
    let step = resume?.step ?? 0;

    for (let period = resume?.epoch ?? 1; period <= periods; period++) {
      const resuming = resume !== undefined && period === resume.epoch;
      const batches = batchesIn(period);
      if (resuming) rng.setState(resume.rng);
      // A stopped run saved the epoch's order (drawn already); a period-start checkpoint saved none:
      // the order is then drawn from the restored RNG, as the uninterrupted run drew it.
      if (resuming && !stepsMode && resume.order.length > 0) {
        order.set(resume.order);
      } else if (!stepsMode) {
        for (let i = 0; i < order.length; i++) order[i] = i;
        if (options.shuffle !== false) rng.shuffle(order);
      }
      lastGood.set(heap.f32(net.paramsPtr, net.paramCount));
      const lr = Number(optimizer.options.lr) * scheduleFactor(options.schedule, period, periods);
      if (!(lr >= 0 && Number.isFinite(lr))) fail('ARGUMENT', `fit: the schedule gave learning rate ${lr} for epoch ${period}`);
      const started = performance.now() - (resuming ? resume.seconds * 1000 : 0);
      const restored = resuming && (resume.batch > 0 || resume.examples) ? `the resume point (${where(period)}, batch ${resume.batch})` : `the start of ${where(period)}`;
      const diverged = (what: string): never => {
        heap.write(net.paramsPtr, lastGood);
        return fail('DIVERGED', `training diverged ${what}. The weights from ${restored} were restored; try a lower learning rate (it was ${lr}).`);
      };
      const sums: BatchSums = resuming ? { loss: resume.lossSum, correct: resume.correct, sse: resume.sse ?? 0, sae: resume.sae ?? 0 } : { loss: 0, correct: 0, sse: 0, sae: 0 };
      let examples = resuming ? (resume.examples ?? 0) : 0;
      for (let b = resuming ? resume.batch : 0; b < batches; b++) {
        net.assertUsable('fit'); // a callback or another task may have disposed the network meanwhile
        if (options.signal?.aborted) {
          history.stopped = 'aborted';
          history.resume = {
            epoch: period, batch: b, step, weights: net.getWeights(),
            optimizer: { t, state: state.map((s) => heap.read(s, net.paramCount)) },
            rng: rng.getState(), order: stepsMode ? new Int32Array(0) : order.slice(), layerState: net.layerStates(),
            augmentRng: options.augment?.rngState?.(),
            lossSum: sums.loss, correct: sums.correct, sse: sums.sse, sae: sums.sae, examples, firstLoss,
            seconds: (performance.now() - started) / 1000, epochs: history.epochs.slice(),
          };
          return history;
        }
        let rows: number, from = 0;
        if (stepsMode) {
          rows = batchSize;
          for (let r = 0; r < rows; r++) order[r] = rng.int(train.count);
        } else {
          from = b * batchSize;
          rows = Math.min(batchSize, train.count - from);
        }
        // Without an augment hook, each thread gathers its own share of the batch's uint8 images.
        const images = net.gatherRows(trainData, order, from, rows, !options.augment);
        if (options.augment) options.augment(heap.f32(net.inputPtr, rows * net.input), rows, train.shape[1] ?? 1, train.shape[0]);
        // The batch and its step at once (the threads may step their parameters within the batch).
        // A diverged batch has stepped the weights too: diverged() restores them either way.
        const batch = net.trainStep(rows, metric, images, optimizer, state, ++t, lr);
        const mean = net.metrics(batch, rows, metric, 0);
        if (Number.isNaN(firstLoss)) firstLoss = mean.loss;
        if (!Number.isFinite(mean.loss) || mean.loss > divergenceFactor * Math.max(firstLoss, 1)) {
          diverged(`at ${stepsMode ? `step ${step + 1}` : `epoch ${period}, batch ${b + 1} of ${batches}`}: the mean loss is ${mean.loss.toPrecision(4)} (it was ${firstLoss.toPrecision(4)} at the first batch)`);
        }
        if (b === batches - 1) {
          // The period's last step is not checked by a following batch: check the weights (one SIMD
          // pass) and this batch's loss after the step, now, while it is still in the buffers
          // (inference mode: no dropout mask drawn, so the run stays the same).
          if (!Number.isFinite(k.maxAbs(net.paramCount, net.paramsPtr))) diverged(`after ${where(period)}: the weights are not finite (NaN or ∞)`);
          const after = net.metrics(net.lossRows(rows, net.forwardRows(rows), false, metric), rows, metric, 0).loss;
          if (!Number.isFinite(after) || after > divergenceFactor * Math.max(firstLoss, 1)) {
            diverged(`after ${where(period)}: the last batch's mean loss after its step is ${after.toPrecision(4)} (it was ${firstLoss.toPrecision(4)} at the first batch)`);
          }
        }
        step++;
        sums.loss += batch.loss; sums.correct += batch.correct; sums.sse += batch.sse; sums.sae += batch.sae;
        examples += rows;
        options.onBatch?.({ epoch: period, batch: b + 1, batches, step, loss: mean.loss, accuracy: mean.accuracy });
        if (yieldEvery > 0 && (b + 1) % yieldEvery === 0) await yieldToEventLoop();
      }
      const seconds = (performance.now() - started) / 1000;
      const trained = net.metrics(sums, examples, metric, 0);
      const record: EpochRecord = {
        epoch: stepsMode ? (step * batchSize) / train.count : period, step,
        trainLoss: trained.loss, ...renamed('train', trained, false),
        maxAbsWeights: net.maxAbsWeights(), lr, seconds,
      };
      if (validData) {
        const v = net.evaluateUploaded(validData);
        if (!Number.isFinite(v.loss) || v.loss > divergenceFactor * Math.max(firstLoss, 1)) diverged(`after ${where(period)}: the validation loss is ${v.loss.toPrecision(4)} (the first training batch's was ${firstLoss.toPrecision(4)})`);
        Object.assign(record, renamed('validation', v, true));
      }
      history.epochs.push(record);
      await options.onEpoch?.(record, history);
      if (options.onCheckpoint && period < periods) {
        await options.onCheckpoint({
          epoch: period + 1, batch: 0, step, weights: net.getWeights(),
          optimizer: { t, state: state.map((s) => heap.read(s, net.paramCount)) },
          rng: rng.getState(), order: new Int32Array(0), layerState: net.layerStates(), augmentRng: options.augment?.rngState?.(),
          lossSum: 0, correct: 0, sse: 0, sae: 0, examples: 0, seconds: 0, epochs: history.epochs.slice(), firstLoss,
        });
      }
      if (yieldEvery > 0) await yieldToEventLoop();
    }
    optimizer.saved = { t, state: state.map((s) => heap.read(s, net.paramCount)) };
    return history;
  } finally {
    net.forgetUngatheredInput(); // its images are in `work`
    work.release();
  }
}

/** { loss, accuracy } → { trainAccuracy } (and validationLoss, validationR2 … for validation). */
function renamed(prefix: 'train' | 'validation', m: Metrics, all: boolean): Partial<EpochRecord> {
  const out: Record<string, number> = {};
  const keys = all ? (['loss', 'accuracy', 'mse', 'mae', 'r2'] as const) : (['accuracy', 'mse', 'mae'] as const);
  const names = { loss: 'Loss', accuracy: 'Accuracy', mse: 'Mse', mae: 'Mae', r2: 'R2' };
  for (const key of keys) if (m[key] !== undefined) out[prefix + names[key]] = m[key]!;
  return out;
}
