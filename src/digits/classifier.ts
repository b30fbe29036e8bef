import type { Backend } from '../kernels/backend';
import type { Network } from '../io/network';
import { deserializeModel } from '../io/network';
import { preprocessDigit, type PixelsInput } from './preprocess';

export interface DigitPrediction {
  digit: number;
  /** Ten probabilities, summing to 1. */
  probabilities: Float32Array;
}

export interface DigitClassifier {
  readonly net: Network;
  readonly metadata: Record<string, unknown>;
  /**
   * Classifies a drawing: canvas ImageData (RGBA), or grayscale bytes or floats of any size,
   * dark-on-light or light-on-dark. It is preprocessed like MNIST first (preprocessDigit).
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
      const input = size ? { data: pixels as PixelsInput['data'], ...size } : (pixels as PixelsInput);
      const probabilities = net.predict(preprocessDigit(input));
      let digit = 0;
      for (let c = 1; c < probabilities.length; c++) if (probabilities[c] > probabilities[digit]) digit = c;
      return { digit, probabilities };
    },
    dispose() {
      net.dispose();
    },
  };
}
