import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createBackend, type BackendChoice } from '../kernels/backend';
import { loadModel } from '../io/model-file-node';
import { readIdxFile } from '../data/mnist-node';
import { preprocessDigit } from '../digits/preprocess';
import { SimdnetError } from '../errors';
import { parse, choiceOption, UsageError } from './args';

export const PREDICT_USAGE = `simdnet predict --model FILE [--json] <image.pgm | idx-file:index>
  The predicted class and the probabilities. A PGM (P2 or P5) of any size is preprocessed like a
  drawing (polarity, crop, 20 px, centred); idx-file:index takes image <index> of an IDX file as is.`;

/** Reads a binary (P5) or ASCII (P2) PGM: 8-bit grayscale. */
export function parsePgm(bytes: Uint8Array, name: string): { data: Uint8Array; width: number; height: number } {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 512)));
  const m = /^(P[25])\s+(?:#.*\s+)*(\d+)\s+(?:#.*\s+)*(\d+)\s+(?:#.*\s+)*(\d+)\s/.exec(text);
  if (!m) throw new SimdnetError('IMAGE_FORMAT', `${name}: not a PGM image (expected a P2 or P5 header)`);
  const [header, kind, w, h, max] = m;
  const width = Number(w), height = Number(h), maxval = Number(max);
  if (maxval < 1 || maxval > 255) throw new SimdnetError('IMAGE_FORMAT', `${name}: only 8-bit PGM is supported (maxval ${maxval})`);
  const n = width * height;
  let values: number[] | Uint8Array;
  if (kind === 'P5') {
    values = bytes.subarray(header.length, header.length + n);
    if (values.length < n) throw new SimdnetError('IMAGE_FORMAT', `${name}: ${width}×${height} needs ${n} pixel bytes after the header, found ${values.length}`);
  } else {
    values = new TextDecoder('latin1').decode(bytes.subarray(header.length)).trim().split(/\s+/).map(Number);
    if (values.length < n) throw new SimdnetError('IMAGE_FORMAT', `${name}: ${width}×${height} needs ${n} values, found ${values.length}`);
  }
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.round((values[i] * 255) / maxval);
  return { data, width, height };
}

export async function predict(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { model: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' } }, 'predict', true);
  if (values.help) { console.log(PREDICT_USAGE); return 0; }
  if (!values.model) throw new UsageError('--model FILE is required');
  if (positionals.length !== 1) throw new UsageError('give one image: image.pgm or idx-file:index');
  const target = positionals[0];
  const backend = await createBackend(choiceOption<BackendChoice>(values.backend, 'backend', ['auto', 'wasm', 'js', 'wasm-simd', 'wasm-relaxed'], 'auto'));
  const { net } = await loadModel(backend, values.model);
  let input: Float32Array;
  const idx = /^(.*):(\d+)$/.exec(target);
  if (idx && !target.toLowerCase().endsWith('.pgm')) {
    const file = await readIdxFile(idx[1]);
    if (file.kind !== 'images') throw new UsageError(`${idx[1]} holds labels, not images`);
    const i = Number(idx[2]);
    if (i >= file.count) throw new UsageError(`${basename(idx[1])} has ${file.count} images; index ${i} is out of range`);
    const px = file.rows * file.cols;
    input = Float32Array.from(file.pixels.subarray(i * px, (i + 1) * px), (v) => v / 255);
  } else {
    let bytes: Uint8Array;
    try { bytes = new Uint8Array(await readFile(target)); } catch (e) { throw new SimdnetError('NOT_FOUND', `cannot read ${target}: ${(e as Error).message}`); }
    input = preprocessDigit(parsePgm(bytes, basename(target)));
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
