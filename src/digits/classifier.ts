import type { Backend } from '../kernels/backend';
import type { Network } from '../io/network';
import { deserializeModel } from '../io/network';
import { fail } from '../errors';
import { preprocessPixels, type PixelsInput, type PixelsNames } from './preprocess';

export interface DigitPrediction {
  /** The most probable digit (for a blank image too: check `blank` and `confident`). */
  digit: number;
  /** Ten probabilities, summing to 1. */
  probabilities: Float32Array;
  /** The probability of `digit`. */
  confidence: number;
  /** False when no digit was found (`blank`) or `confidence` is below MIN_CONFIDENCE (0.5). */
  confident: boolean;
  /** The image holds no ink (one colour throughout): there is no digit to classify. */
  blank: boolean;
}

/** Below this probability a prediction is flagged `confident: false` (the shipped model gives real digits > 0.9). */
export const MIN_CONFIDENCE = 0.5;

/** The prediction for `probabilities`, computed from `input` (the network's input: all zeros when no ink was found). */
export function digitPrediction(probabilities: Float32Array, input: ArrayLike<number>): DigitPrediction {
  let digit = 0;
  for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[digit]) digit = c;
  let blank = true;
  for (let i = 0; i < input.length && blank; i++) blank = input[i] === 0;
  const confidence = probabilities[digit];
  return { digit, probabilities, confidence, confident: !blank && confidence >= MIN_CONFIDENCE, blank };
}

export interface DigitClassifier {
  readonly net: Network;
  readonly metadata: Record<string, unknown>;
  /**
   * Classifies a drawing: canvas ImageData (RGBA), or grayscale bytes or floats of any size,
   * dark-on-light or light-on-dark. It is preprocessed like MNIST first (preprocessDigit).
   * A blank image, or one the model is unsure of, gives `confident: false` (and `blank: true`).
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
      const input = preprocessPixels(...classifyInput(pixels, size));
      return digitPrediction(net.predict(input), input);
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
