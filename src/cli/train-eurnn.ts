// `simdnet train --model eurnn`: the efficient unitary RNN on pixel-by-pixel permuted MNIST
// (docs/eurnn.md), with the reference defaults: hidden 256, capacity 2, batch 100,
// RMSprop lr 1e-4, 40,000 steps, validation on the 10,000 held-out images.
import { ProgressBar } from './progress';
import { createBackend, type BackendChoice } from '../kernels/backend';
import { Network, saveModel } from '../io/network';
import { eurnnClassifier } from '../nn/layers/index';
import { rmsprop } from '../nn/optimizers';
import type { History } from '../nn/fit';
import { loadMnist } from '../data/mnist-node';
import { loadFashionMnist } from '../data/fashion-node';
import { permutePixels, take } from '../data/dataset';
import { atomicWrite, ensureDir } from '../io/atomic-node';
import { nodePath } from '../io/node-builtins';
import { seriesChartSpec } from '../report/specs';
import { reportHtml, percent } from '../report/report-html';
import { parse, intOption, numberOption, choiceOption, threadsOption, withThreads, backendText, BACKEND_CHOICES, THREADS_USAGE, UsageError, MAX_SEED } from './args';
import { checkTargets } from './targets';
import type { RunSignals } from './signals';
import { saveCheckpoint, checkResumeFits, type EurnnTrainConfig } from './checkpoint';
import type { TrainingState } from '../nn/fit';

export const EURNN_USAGE = `simdnet train --model eurnn [options]   (pixel-by-pixel permuted MNIST)
  --steps N               training steps (batches drawn with replacement; default 40000)
  --eval-every N          validate every N steps (default 500)
  --eval-limit N          validate on the first N validation images (default all 10000)
  --hidden N              hidden size, even (default 256)
  --capacity N            rotation layers (default 2)
  --batch-size N          (default 100)
  --lr X                  RMSprop learning rate (default 1e-4; alpha 0.99, eps 1e-8)
  --seed N                initialisation and batch draws (default 1)
  --perm-seed N           the fixed pixel permutation (default 0)
  --dataset mnist|fashion|DIR  (default mnist)
  --backend auto|wasm|js  (default auto)
${THREADS_USAGE}
  --limit N               use at most N training images
  --save FILE             save the trained model (binary; FILE.json: the JSON form), atomically
  --checkpoint DIR        save the run to DIR/checkpoint.json after every validation and on Ctrl-C
                          (SIGINT/SIGTERM; exit 130/143): a crash or a stop loses at most --eval-every steps
  --resume DIR            continue the run saved in DIR (its configuration; the other flags but --threads,
                          --checkpoint, --out, --save and --json are ignored), bit for bit as if it had
                          never stopped (same backend and threads); it goes on saving to DIR unless
                          --checkpoint names another
  --out DIR               history.json (after every validation), loss.svg, accuracy.svg, report.html
  --json                  one JSON object per validation on stdout, then {"event":"done",...}`;

export async function trainEurnnCommand(argv: string[], signals: RunSignals, resumed?: { dir: string; config: EurnnTrainConfig; state: TrainingState }): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' }, steps: { type: 'string' }, 'eval-every': { type: 'string' }, 'eval-limit': { type: 'string' },
    hidden: { type: 'string' }, capacity: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' },
    seed: { type: 'string' }, 'perm-seed': { type: 'string' }, dataset: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' },
    limit: { type: 'string' }, out: { type: 'string' }, save: { type: 'string' }, json: { type: 'boolean' },
    checkpoint: { type: 'string' }, resume: { type: 'string' },
  }, 'train --model eurnn');
  if (values.help) {
    console.log(EURNN_USAGE);
    return 0;
  }
  const config: EurnnTrainConfig = resumed ? withThreads(resumed.config, values.threads) : {
    model: 'eurnn',
    steps: intOption(values.steps, 'steps', 40_000),
    evalEvery: intOption(values['eval-every'], 'eval-every', 500),
    evalLimit: values['eval-limit'] === undefined ? undefined : intOption(values['eval-limit'], 'eval-limit', 10_000),
    hidden: intOption(values.hidden, 'hidden', 256, 2),
    capacity: intOption(values.capacity, 'capacity', 2),
    batchSize: intOption(values['batch-size'], 'batch-size', 100),
    lr: numberOption(values.lr, 'lr') ?? 1e-4,
    seed: intOption(values.seed, 'seed', 1, 0, MAX_SEED),
    permSeed: intOption(values['perm-seed'], 'perm-seed', 0, 0, MAX_SEED),
    dataset: values.dataset ?? 'mnist',
    backend: choiceOption<BackendChoice>(values.backend, 'backend', BACKEND_CHOICES, 'auto'),
    threads: threadsOption(values.threads),
    limit: values.limit === undefined ? undefined : intOption(values.limit, 'limit', 0),
  };
  if (config.hidden % 2 !== 0) throw new UsageError(`--hidden must be even (rotation layers act on pairs), got ${config.hidden}`);
  const json = values.json === true;
  const log = (line: string) => { if (!json) process.stderr.write(line + '\n'); };
  values.checkpoint ??= values.resume; // a resumed run goes on saving where it came from
  await checkTargets([{ flag: '--save', path: values.save, kind: 'file' }, { flag: '--out', path: values.out, kind: 'dir' }, { flag: '--checkpoint', path: values.checkpoint, kind: 'dir' }]);
  const resume = resumed?.state;

  const data = config.dataset === 'fashion' ? await loadFashionMnist() : await loadMnist(config.dataset === 'mnist' ? {} : { dir: config.dataset });
  const permuted = (ds: typeof data.train) => permutePixels(ds, config.permSeed);
  const trainSet = permuted(config.limit ? take(data.train, config.limit) : data.train);
  const validation = permuted(config.evalLimit === undefined ? data.validation : take(data.validation, config.evalLimit));
  const backend = await createBackend({ backend: config.backend as BackendChoice, threads: config.threads ?? 1 });
  // One pixel per step: the images are sequences [784, 1].
  const steps = trainSet.shape.reduce((a, b) => a * b, 1);
  const net = new Network(backend, { input: [steps, 1], layers: eurnnClassifier(config.hidden, { capacity: config.capacity, classes: trainSet.classes }), seed: config.seed });
  log(`simdnet: ${net.describe()}; RMSprop lr ${config.lr}, batch ${config.batchSize}, ${config.steps} steps on ${backendText(backend)}`);
  log(`data: ${trainSet.count} train, ${validation.count} validation images (${config.dataset}, pixels permuted with seed ${config.permSeed}, one per step)`);
  if (resumed) {
    checkResumeFits(resumed.dir, resumed.state, { weights: net.paramCount, examples: 0, optimizerSlots: 1 });
    log(`resuming from ${resumed.dir} at step ${resumed.state.step ?? 0}`);
  }

  // From here a first Ctrl-C stops after the current step (and writes the report of the steps done).
  signals.graceful = true;
  const bar = json || !process.stderr.isTTY ? null : new ProgressBar('step {value}/{total} [{bar}] loss {loss} | {eta_formatted} left');
  bar?.start(config.steps, 0, { loss: '-' });
  const history = await net.fit(trainSet, {
    steps: config.steps, batchSize: config.batchSize, optimizer: rmsprop({ lr: config.lr, alpha: 0.99, eps: 1e-8 }), evalEvery: config.evalEvery,
    validation, seed: config.seed, signal: signals.signal, yieldEvery: 1, resume, // a step is long: let signals through
    onCheckpoint: values.checkpoint ? async (state) => { await saveCheckpoint(values.checkpoint!, config, state); } : undefined,
    onBatch: (b) => {
      signals.progress();
      bar?.update(b.step, { loss: b.loss.toFixed(4) });
    },
    onEpoch: async (r, h) => {
      if (values.out) await writeEurnnHistory(values.out, config, h);
      signals.progress();
      if (json) process.stdout.write(JSON.stringify({ event: 'eval', ...r }) + '\n');
      else {
        bar?.stop();
        log(`step ${r.step}/${config.steps}  train loss ${r.trainLoss.toFixed(4)} acc ${pct(r.trainAccuracy ?? NaN)}  validation loss ${r.validationLoss?.toFixed(4)} acc ${pct(r.validationAccuracy ?? NaN)}  ${(secondsSoFar(h) / r.step).toFixed(3)} s/step`);
        if (r.step < config.steps) bar?.start(config.steps, r.step, { loss: '-' });
      }
    },
  });
  bar?.stop();
  signals.progress();
  const last = history.epochs.at(-1);
  // The test set (t10k, permuted the same way) once the run is complete: the figure to publish.
  let test: { loss: number; accuracy?: number } | undefined;
  if (!history.stopped) {
    log(`evaluating on the ${config.limit ? Math.min(config.limit, data.test.count) : data.test.count} test images…`);
    test = net.evaluate(permuted(config.limit ? take(data.test, config.limit) : data.test));
  }
  if (values.out) await writeEurnnReport(values.out, config, history, net.describe(), test);
  if (history.stopped && values.checkpoint) {
    const path = await saveCheckpoint(values.checkpoint, config, history.resume!);
    log(`interrupted at step ${history.resume!.step}; saved the run to ${path}; continue with: simdnet train --resume ${values.checkpoint}`);
  }
  if (history.stopped) {
    log(`interrupted after ${last?.step ?? 0} validated steps`);
    return signals.exitCode ?? 130;
  }
  const secondsPerStep = last ? secondsSoFar(history) / last.step : undefined;
  if (values.save) {
    await signals.check(`after training; the model was not saved to ${values.save}`);
    await saveModel(net, values.save, { dataset: config.dataset, permSeed: config.permSeed, steps: last?.step, validationAccuracy: last?.validationAccuracy, backend: backend.name, date: new Date().toISOString() });
    log(`saved the model to ${values.save}`);
  }
  if (json) process.stdout.write(JSON.stringify({ event: 'done', steps: last?.step, validationAccuracy: last?.validationAccuracy, testAccuracy: test?.accuracy, testLoss: test?.loss, secondsPerStep, backend: backend.name, threads: backend.threads }) + '\n');
  else log(`validation accuracy ${pct(last?.validationAccuracy ?? NaN)}, test accuracy ${pct(test?.accuracy ?? NaN)} after ${last?.step} steps; ${secondsPerStep?.toFixed(3) ?? '-'} s per step on ${backendText(backend)}`);
  return signals.exitCode ?? 0; // a stop asked for while the last file was written: still 130/143
}

/** Seconds spent in training steps so far (validation excluded). */
const secondsSoFar = (h: History) => h.epochs.reduce((a, r) => a + r.seconds, 0);

async function writeEurnnHistory(dir: string, config: EurnnTrainConfig, history: History): Promise<void> {
  await ensureDir(dir);
  await atomicWrite(nodePath('--out').join(dir, 'history.json'), JSON.stringify({ config, ...history }, null, 2) + '\n');
}

async function writeEurnnReport(dir: string, config: EurnnTrainConfig, history: History, title: string, test?: { loss: number; accuracy?: number }): Promise<void> {
  const { renderSvg } = await import('../report/render-node');
  const { join } = nodePath('--out');
  await writeEurnnHistory(dir, config, history);
  const rows = (pick: (r: History['epochs'][number]) => [string, number | undefined][]) =>
    history.epochs.flatMap((r) => pick(r).filter(([, v]) => v !== undefined).map(([series, value]) => ({ x: r.step, value: value!, series })));
  const loss = await renderSvg(seriesChartSpec({ title: 'Loss', xTitle: 'step', yTitle: 'cross-entropy', yLog: true, values: rows((r) => [['training', r.trainLoss], ['validation', r.validationLoss]]) }));
  const accuracy = await renderSvg(seriesChartSpec({ title: 'Accuracy', xTitle: 'step', yTitle: 'accuracy', yDomain: [0, 1], values: rows((r) => [['training', r.trainAccuracy], ['validation', r.validationAccuracy]]) }));
  await atomicWrite(join(dir, 'loss.svg'), loss);
  await atomicWrite(join(dir, 'accuracy.svg'), accuracy);
  const last = history.epochs.at(-1);
  await atomicWrite(join(dir, 'report.html'), reportHtml({
    title: `simdnet train: ${title}`, config: { ...config },
    results: { steps: last?.step, 'validation accuracy': percent(last?.validationAccuracy), 'validation loss': last?.validationLoss, 'test accuracy': percent(test?.accuracy), 'test loss': test?.loss, 'seconds per step': last ? secondsSoFar(history) / last.step : undefined, backend: history.backend },
    charts: [['Training (mean since the previous validation) and validation loss', loss], ['Training and validation accuracy', accuracy]],
  }));
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
