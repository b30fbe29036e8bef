import { basename } from 'node:path';
import { createBackend, type BackendChoice } from '../kernels/backend';
import { loadModel } from '../io/network';
import { readIdxFile } from '../data/mnist-node';
import { preprocessPixels } from '../digits/preprocess';
import { noDigitReason, type NoDigitReason } from '../digits/ink';
import { deserializeModel } from '../io/network';
import { DIGIT_MODEL_BYTES } from '../digits-entry';
import { readImage, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS } from '../data/image-node';
import { MAX_IDX_BYTES } from '../data/idx';
import { fail, SimdnetError } from '../errors';
import { parse, choiceOption, intOption, UsageError } from './args';
import { digitPrediction, MIN_CONFIDENCE } from '../digits/classifier';

export const PREDICT_USAGE = `simdnet predict (--model FILE | --pretrained) [--json] [--max-pixels N] [--max-bytes N] <image.png | image.pgm | idx-file:index>
  The predicted class and the probabilities. A PNG (any colour type; transparency over white) or a
  PGM (P2 or P5) of any size is preprocessed like a drawing (polarity, crop, 20 px, centred);
  idx-file:index takes image <index> of an IDX file (raw or gzipped) as is. --pretrained: the shipped digit model.
  A PNG or PGM that holds no digit (blank, nearly blank, noise or a filled area) prints "no digit found"
  and the reason (JSON: "class": null and "reason"); an IDX image is only refused when blank.
  Files are checked before they are decoded, and refused (exit 1) past these limits:
    --max-pixels N  the largest width × height of a PNG or PGM (default ${MAX_IMAGE_PIXELS} = 4096×4096)
    --max-bytes N   the most bytes a PNG's image data may inflate to (default ${MAX_IMAGE_BYTES} = 64 MiB),
                    or an IDX file may hold, raw or inflated (default ${MAX_IDX_BYTES} = 512 MiB)`;

/** What `predict` prints for a picture with no digit, after "no digit found". */
const NO_DIGIT: Record<NoDigitReason, string> = {
  blank: 'the image is blank',
  sparse: 'the image is nearly blank: a speck, a dot or a few stray pixels',
  noise: 'noise or a filled area, not pen strokes',
};

export async function predict(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { model: { type: 'string' }, pretrained: { type: 'boolean' }, backend: { type: 'string' }, json: { type: 'boolean' }, 'max-pixels': { type: 'string' }, 'max-bytes': { type: 'string' } }, 'predict', true);
  if (values.help) { console.log(PREDICT_USAGE); return 0; }
  if (!values.model === !values.pretrained) throw new UsageError('give --model FILE or --pretrained (the shipped digit model)');
  if (positionals.length !== 1) throw new UsageError('give one image: image.png, image.pgm or idx-file:index');
  const target = positionals[0];
  const maxPixels = intOption(values['max-pixels'], 'max-pixels', MAX_IMAGE_PIXELS);
  const maxBytes = values['max-bytes'] === undefined ? undefined : intOption(values['max-bytes'], 'max-bytes', 1); // undefined: each reader's default
  const backendChoice = choiceOption<BackendChoice>(values.backend, 'backend', ['auto', 'wasm', 'js', 'wasm-simd', 'wasm-relaxed'], 'auto');
  // The input first: a file that is refused costs no backend and no model.
  let input: Float32Array;
  let noDigit: NoDigitReason | undefined;
  const idx = /^(.*):(\d+)$/.exec(target);
  if (idx && !/\.(pgm|png)$/i.test(target)) {
    const file = await readIdxFile(idx[1], { maxBytes }).catch((e: unknown) => {
      // The library names its option; say which flag sets it here.
      if (e instanceof SimdnetError && e.code === 'IDX_LIMIT') fail('IDX_LIMIT', `${e.message} (simdnet predict --max-bytes N)`);
      throw e;
    });
    if (file.kind !== 'images') throw new UsageError(`${idx[1]} holds labels, not images`);
    const i = Number(idx[2]);
    if (i >= file.count) throw new UsageError(`${basename(idx[1])} has ${file.count} images; index ${i} is out of range`);
    const px = file.rows * file.cols;
    input = Float32Array.from(file.pixels.subarray(i * px, (i + 1) * px), (v) => v / 255);
    // A data set's image, as is (it may not be a digit: Fashion-MNIST): only a blank one is no digit.
    if (input.every((v) => v === 0)) noDigit = 'blank';
  } else {
    const drawing = preprocessPixels(await readImage(target, { maxPixels, maxBytes }));
    input = drawing.input;
    noDigit = noDigitReason(drawing.ink);
  }
  const backend = await createBackend(backendChoice);
  const { net } = values.pretrained ? deserializeModel(backend, DIGIT_MODEL_BYTES, 'pretrained') : await loadModel(backend, values.model!);
  if (input.length !== net.input) throw new UsageError(`the image has ${input.length} pixels but the model takes ${net.input} inputs`);
  const { digit, probabilities, confidence, confident, blank, reason } = digitPrediction(net.predict(input), noDigit);
  if (values.json) {
    console.log(JSON.stringify({ event: 'predict', input: target, class: noDigit ? null : digit, confidence, confident, blank, reason: reason ?? null, probabilities: Array.from(probabilities) }));
    return 0;
  }
  if (noDigit) {
    console.log(`${target}: no digit found (${NO_DIGIT[noDigit]})`);
    return 0;
  }
  console.log(`${target}: ${digit} (${(100 * confidence).toFixed(1)}%${confident ? '' : `, low confidence: below ${100 * MIN_CONFIDENCE}%, it may not be a digit`})`);
  probabilities.forEach((p, c) => console.log(`  ${c}  ${'█'.repeat(Math.round(p * 40)).padEnd(40)} ${(100 * p).toFixed(2)}%`));
  return 0;
}
