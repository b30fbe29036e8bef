// Training the EURNN on pixel sequences (spec §5): batches of `batchSize` images drawn at random
// with replacement (not in epochs), RMSprop (PyTorch's definition) over the one parameter block,
// validation every `evalEvery` steps. Images are uploaded to the heap once; each step gathers its
// batch as f32 sequences [batch, rows·cols] (x_t = pixel t / 255; permute the dataset's pixels
// first for permuted MNIST: permutePixels).
import type { Dataset } from '../data/dataset';
import type { Eurnn } from './eurnn';
import { Rng } from '../rng';
import { ShapeError } from '../errors';
import { yieldToEventLoop } from './fit';

export interface EurnnTrainOptions {
  /** Training steps (batches). Default 40,000 (the reference run). */
  steps?: number;
  /** Sequences per step. Default 100. */
  batchSize?: number;
  /** RMSprop: lr (default 1e-4), alpha (0.99), eps (1e-8). */
  lr?: number;
  alpha?: number;
  eps?: number;
  /** Validate every N steps (and after the last). Default 500. */
  evalEvery?: number;
  validation?: Dataset;
  /** Validate on the first N validation images only (default all). */
  evalLimit?: number;
  /** Seeds the batch draws. Default 1. */
  seed?: number;
  signal?: AbortSignal;
  /** After each step: the step's loss and accuracy. */
  onStep?: (info: { step: number; steps: number; loss: number; accuracy: number; seconds: number }) => void;
  /** After each validation. */
  onEval?: (record: EurnnEvalRecord, history: EurnnHistory) => void | Promise<void>;
}

export interface EurnnEvalRecord {
  step: number;
  /** Mean loss and accuracy of the training batches since the previous record. */
  trainLoss: number;
  trainAccuracy: number;
  validationLoss?: number;
  validationAccuracy?: number;
  /** Seconds spent in training steps so far (validation excluded). */
  seconds: number;
}

export interface EurnnHistory {
  evals: EurnnEvalRecord[];
  backend: string;
  batchSize: number;
  stopped?: 'aborted';
}

const EVAL_BATCH = 500;

export async function trainEurnn(model: Eurnn, train: Dataset, options: EurnnTrainOptions = {}): Promise<EurnnHistory> {
  const steps = options.steps ?? 40_000, batch = options.batchSize ?? 100, evalEvery = options.evalEvery ?? 500;
  const lr = options.lr ?? 1e-4, alpha = options.alpha ?? 0.99, eps = options.eps ?? 1e-8;
  for (const [name, v] of [['steps', steps], ['batchSize', batch], ['evalEvery', evalEvery]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ShapeError('ARGUMENT', `trainEurnn: ${name} must be a positive integer, got ${v}`);
  }
  const len = train.rows * train.cols;
  if (len % model.inputSize !== 0) throw new ShapeError('SHAPE', `trainEurnn: ${len} values per image do not split into steps of ${model.inputSize}`);
  if (train.count < 1) throw new ShapeError('SHAPE', 'trainEurnn: the training set is empty');
  const seqSteps = len / model.inputSize;
  const heap = model.backend.heap, k = model.backend.kernels;
  const mark = heap.mark();
  const history: EurnnHistory = { evals: [], backend: model.backend.name, batchSize: batch };
  try {
    const upload = (ds: Dataset) => ({ images: heap.allocBytes(ds.images.subarray(0, ds.count * len), `${ds.name} images`), count: ds.count, labels: ds.labels });
    const trainData = upload(train);
    const validation = options.validation ? { ...options.validation, count: Math.min(options.validation.count, options.evalLimit ?? Infinity) } : undefined;
    const validData = validation ? upload(validation) : undefined;
    const rowsMax = Math.max(batch, validData ? Math.min(EVAL_BATCH, validData.count) : 0);
    const x = heap.allocF32(rowsMax * len, 'EURNN input sequences');
    const indices = heap.allocI32(rowsMax, 'EURNN batch indices');
    const rms = heap.allocF32(model.paramCount, 'RMSprop state');
    const rng = new Rng(options.seed ?? 1);
    const labels = new Int32Array(batch);

    const validate = (): { loss: number; accuracy: number } => {
      let loss = 0, correct = 0;
      for (let from = 0; from < validData!.count; from += EVAL_BATCH) {
        const rows = Math.min(EVAL_BATCH, validData!.count - from);
        const idx = heap.views().i32;
        for (let r = 0; r < rows; r++) idx[(indices >>> 2) + r] = from + r;
        k.gatherImages(rows, len, validData!.images, validData!.count, indices, x);
        const r = model.evaluate(x, len, rows, seqSteps, validData!.labels.subarray(from, from + rows));
        loss += r.loss * rows;
        correct += r.correct;
      }
      return { loss: loss / validData!.count, accuracy: correct / validData!.count };
    };

    let seconds = 0, sumLoss = 0, sumCorrect = 0, since = 0;
    for (let step = 1; step <= steps; step++) {
      if (options.signal?.aborted) {
        history.stopped = 'aborted';
        break;
      }
      const t0 = performance.now();
      const idx = heap.views().i32;
      for (let r = 0; r < batch; r++) {
        const i = rng.int(trainData.count);
        idx[(indices >>> 2) + r] = i;
        labels[r] = trainData.labels[i];
      }
      k.gatherImages(batch, len, trainData.images, trainData.count, indices, x);
      const { loss, correct } = model.lossAndGradient(x, len, batch, seqSteps, labels);
      k.rmsprop(model.paramCount, model.paramsPtr, model.gradsPtr, rms, lr, alpha, eps);
      const dt = (performance.now() - t0) / 1000;
      seconds += dt;
      sumLoss += loss;
      sumCorrect += correct;
      since += 1;
      options.onStep?.({ step, steps, loss, accuracy: correct / batch, seconds: dt });
      if (step % evalEvery === 0 || step === steps) {
        const record: EurnnEvalRecord = { step, trainLoss: sumLoss / since, trainAccuracy: sumCorrect / (since * batch), seconds };
        if (validData) {
          const v = validate();
          record.validationLoss = v.loss;
          record.validationAccuracy = v.accuracy;
        }
        history.evals.push(record);
        sumLoss = sumCorrect = since = 0;
        await options.onEval?.(record, history);
      }
      await yieldToEventLoop(); // a step is long: let Ctrl-C and pages through
    }
    return history;
  } finally {
    model.releasePlan();
    heap.release(mark);
  }
}
