import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createBackend, type BackendChoice } from '../kernels/backend';
import { loadModel } from '../io/network';
import { readIdxFile } from '../data/mnist-node';
import { preprocessDigit } from '../digits/preprocess';
import { deserializeModel } from '../io/network';
import { DIGIT_MODEL_BYTES } from '../digits-entry';
import { parseImage } from './image-file';
import { fail } from '../errors';
import { parse, choiceOption, UsageError } from './args';

export const PREDICT_USAGE = `simdnet predict (--model FILE | --pretrained) [--json] <image.png | image.pgm | idx-file:index>
  The predicted class and the probabilities. A PNG (any colour type; transparency over white) or a
  PGM (P2 or P5) of any size is preprocessed like a drawing (polarity, crop, 20 px, centred);
  idx-file:index takes image <index> of an IDX file as is. --pretrained: the shipped digit model.`;

export async function predict(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { model: { type: 'string' }, pretrained: { type: 'boolean' }, backend: { type: 'string' }, json: { type: 'boolean' } }, 'predict', true);
  if (values.help) { console.log(PREDICT_USAGE); return 0; }
  if (!values.model === !values.pretrained) throw new UsageError('give --model FILE or --pretrained (the shipped digit model)');
  if (positionals.length !== 1) throw new UsageError('give one image: image.png, image.pgm or idx-file:index');
  const target = positionals[0];
  const backend = await createBackend(choiceOption<BackendChoice>(values.backend, 'backend', ['auto', 'wasm', 'js', 'wasm-simd', 'wasm-relaxed'], 'auto'));
  const { net } = values.pretrained ? deserializeModel(backend, DIGIT_MODEL_BYTES, 'pretrained') : await loadModel(backend, values.model!);
  let input: Float32Array;
  const idx = /^(.*):(\d+)$/.exec(target);
  if (idx && !/\.(pgm|png)$/i.test(target)) {
    const file = await readIdxFile(idx[1]);
    if (file.kind !== 'images') throw new UsageError(`${idx[1]} holds labels, not images`);
    const i = Number(idx[2]);
    if (i >= file.count) throw new UsageError(`${basename(idx[1])} has ${file.count} images; index ${i} is out of range`);
    const px = file.rows * file.cols;
    input = Float32Array.from(file.pixels.subarray(i * px, (i + 1) * px), (v) => v / 255);
  } else {
    let bytes: Uint8Array;
    try { bytes = new Uint8Array(await readFile(target)); } catch (e) { fail('NOT_FOUND', `cannot read ${target}: ${(e as Error).message}`); }
    input = preprocessDigit(parseImage(bytes, basename(target)));
  }
  if (input.length !== net.input) throw new UsageError(`the image has ${input.length} pixels but the model takes ${net.input} inputs`);
  const probabilities = Array.from(net.predict(input));
  const digit = probabilities.indexOf(Math.max(...probabilities));
  if (values.json) console.log(JSON.stringify({ event: 'predict', input: target, class: digit, probabilities }));
  else {
    console.log(`${target}: ${digit} (${(100 * probabilities[digit]).toFixed(1)}%)`);
    probabilities.forEach((p, c) => console.log(`  ${c}  ${'█'.repeat(Math.round(p * 40)).padEnd(40)} ${(100 * p).toFixed(2)}%`));
  }
  return 0;
}
