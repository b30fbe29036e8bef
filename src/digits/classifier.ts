import type { Backend } from '../kernels/backend';
import type { Network } from '../io/network';
import { deserializeModel } from '../io/network';
import { fail } from '../errors';
import { preprocessPixels, type PixelsInput, type PixelsNames } from './preprocess';
import { noDigitReason, type NoDigitReason } from './ink';

export interface DigitPrediction {
  /** The most probable digit (also when there is none: check `confident`). */
  digit: number;
  /** Ten probabilities, summing to 1. */
  probabilities: Float32Array;
  /** The probability of `digit`. */
  confidence: number;
  /** True when the picture holds a digit and the model is sure of it; false with a `reason` otherwise. */
  confident: boolean;
  /** No digit to classify: no ink at all, or too little (a speck, a dot, stray pixels): `reason` 'blank' or 'sparse'. */
  blank: boolean;
  /**
   * Why `confident` is false (undefined when it is true):
   *  - 'blank': no ink at all;
   *  - 'sparse': nearly blank: a speck (under 2% of the picture across), a few stray pixels, or a dot;
   *  - 'noise': ink without pen strokes: a filled area (a rectangle, a gradient), noise, scattered pieces;
   *  - 'low-confidence': a drawing, but `confidence` is below MIN_CONFIDENCE (0.5).
   * The first three come from the ink alone, whatever the model says (noDigitReason in
   * src/digits/ink.ts: simple statistics that pass every MNIST digit).
   */
  reason?: 'blank' | 'sparse' | 'noise' | 'low-confidence';
}

/** Below this probability a prediction is flagged `confident: false` (the shipped model gives real digits > 0.9). */
export const MIN_CONFIDENCE = 0.5;

/** The prediction for `probabilities`; `noDigit`: why the picture holds no digit, if its ink says so (noDigitReason). */
export function digitPrediction(probabilities: Float32Array, noDigit?: NoDigitReason): DigitPrediction {
  let digit = 0;
  for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[digit]) digit = c;
  const confidence = probabilities[digit];
  const reason = noDigit ?? (confidence < MIN_CONFIDENCE ? 'low-confidence' : undefined);
  const blank = reason === 'blank' || reason === 'sparse';
  return { digit, probabilities, confidence, confident: reason === undefined, blank, ...(reason && { reason }) };
}

export interface DigitClassifier {
  readonly net: Network;
  readonly metadata: Record<string, unknown>;
  /**
   * Classifies a drawing: canvas ImageData (RGBA), or grayscale bytes or floats of any size,
   * dark-on-light or light-on-dark. It is preprocessed like MNIST first (preprocessDigit).
   * No digit (a blank or nearly blank image, noise, a filled area) or one the model is unsure of
   * gives `confident: false` and the `reason`.
   */
  classify(pixels: PixelsInput | ImageDataLike): DigitPrediction;
  /** The same with the size given apart: `classify(bytes, { width, height })`. */
  classify(pixels: PixelsInput['data'], size: { width: number; height: number; channels?: 1 | 4 }): DigitPrediction;
  /** Returns the classifier's memory to the backend; classify() throws afterwards. */
  dispose(): void;
}

/** What a canvas gives: `ctx.getImageData(…)`. */
export interface ImageDataLike {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** A classifier from model bytes (the shipped model, or one you trained and saved). */
export function createDigitClassifier(backend: Backend, modelBytes: Uint8Array): DigitClassifier {
  const { net, metadata } = deserializeModel(backend, modelBytes, 'digit model');
  return {
    net,
    metadata,
    classify(pixels: PixelsInput | ImageDataLike | PixelsInput['data'], size?: { width: number; height: number; channels?: 1 | 4 }) {
      const { input, ink } = preprocessPixels(...classifyInput(pixels, size));
      return digitPrediction(net.predict(input), noDigitReason(ink));
    },
    dispose() {
      net.dispose();
    },
  };
}

const SEPARATE: PixelsNames = { fn: 'classify', data: 'data', width: 'size.width', height: 'size.height', channels: 'size.channels' };
const TOGETHER: PixelsNames = { fn: 'classify', data: 'pixels.data', width: 'pixels.width', height: 'pixels.height', channels: 'pixels.channels' };
const FORMS = 'give canvas ImageData, { data, width, height }, or (data, { width, height })';

/** classify's two forms as one PixelsInput, with the names the caller used; refuses what is neither. */
function classifyInput(pixels: unknown, size: unknown): [PixelsInput, PixelsNames] {
  if (pixels === null || pixels === undefined) fail('ARGUMENT', `classify: pixels is ${pixels}; ${FORMS}`);
  if (size !== undefined) {
    if (size === null || typeof size !== 'object') fail('ARGUMENT', `classify: size is ${size === null ? 'null' : typeof size}; give { width, height } (and channels 1 or 4)`);
    return [{ data: pixels as PixelsInput['data'], ...(size as { width: number; height: number }) }, SEPARATE];
  }
  if (Array.isArray(pixels) || ArrayBuffer.isView(pixels)) {
    fail('ARGUMENT', `classify: pixels is an array of ${(pixels as ArrayLike<number>).length} values without its size; call classify(data, { width, height })`);
  }
  if (typeof pixels !== 'object') fail('ARGUMENT', `classify: pixels is ${typeof pixels}; ${FORMS}`);
  return [pixels as PixelsInput, TOGETHER];
}
