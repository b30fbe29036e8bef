import { createBackend, type BackendChoice } from '../kernels/backend';
import { loadModel } from '../io/network';
import { deserializeModel } from '../io/network';
import { DIGIT_MODEL_BYTES } from '../digits-entry';
import { loadMnist, loadMnistTest } from '../data/mnist-node';
import { loadFashionMnist } from '../data/fashion-node';
import { parse, choiceOption, threadsOption, backendText, BACKEND_CHOICES, UsageError } from './args';
import { confusionMatrix } from './confusion';

export const EVALUATE_USAGE = `simdnet evaluate (--model FILE | --pretrained) [--dataset mnist|fashion|DIR] [--split test|validation] [--backend auto|wasm|js] [--threads N|auto] [--json]
  Accuracy and the confusion matrix of a saved model.`;

export async function evaluate(argv: string[]): Promise<number> {
  const { values } = parse(argv, { model: { type: 'string' }, pretrained: { type: 'boolean' }, dataset: { type: 'string' }, split: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' } }, 'evaluate');
  if (values.help) { console.log(EVALUATE_USAGE); return 0; }
  if (!values.model === !values.pretrained) throw new UsageError('give --model FILE or --pretrained (the shipped digit model)');
  const split = choiceOption(values.split, 'split', ['test', 'validation'] as const, 'test');
  const dataset = values.dataset ?? 'mnist';
  const backend = await createBackend({ backend: choiceOption<BackendChoice>(values.backend, 'backend', BACKEND_CHOICES, 'auto'), threads: threadsOption(values.threads) });
  const { net } = values.pretrained ? deserializeModel(backend, DIGIT_MODEL_BYTES, 'pretrained') : await loadModel(backend, values.model!);
  // The test split needs only the t10k files; the validation split is cut from the training files.
  const options = dataset === 'mnist' ? {} : { dir: dataset };
  const data = dataset === 'fashion' ? (await loadFashionMnist())[split] : split === 'test' ? await loadMnistTest(options) : (await loadMnist(options)).validation;
  const { loss, accuracy = NaN, classes } = net.evaluate(data, { classes: true }); // one pass for both
  const confusion = confusionMatrix(data.y, classes!, net.outputs);
  if (values.json) {
    console.log(JSON.stringify({ event: 'evaluate', model: values.model ?? 'pretrained', dataset, split, count: data.count, accuracy, loss, confusion, backend: backend.name }));
  } else {
    console.log(`${net.describe()} on ${dataset} ${split} (${data.count} images, ${backendText(backend)})`);
    console.log(`accuracy ${(100 * accuracy).toFixed(2)}%, loss ${loss.toFixed(4)}`);
    console.log(`confusion matrix (rows: true class, columns: predicted)`);
    console.log('      ' + confusion.map((_, c) => String(c).padStart(6)).join(''));
    confusion.forEach((row, t) => console.log(String(t).padStart(4) + '  ' + row.map((v) => String(v).padStart(6)).join('')));
  }
  return 0;
}
