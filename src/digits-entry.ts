// simdnet/digits: the pretrained digit classifier. A separate entry so the core bundle does not
// carry the model; the model bytes are inlined (esbuild's binary loader), nothing is fetched.
import modelBytes from '../models/digits.simdnet';
import { createBackend, type Backend } from './kernels/backend';
import { createDigitClassifier, type DigitClassifier } from './digits/classifier';

export { createDigitClassifier } from './digits/classifier';
export type { DigitClassifier, DigitPrediction, ImageDataLike } from './digits/classifier';
export { preprocessDigit } from './digits/preprocess';

/** The shipped model's bytes (models/digits.simdnet). */
export const DIGIT_MODEL_BYTES: Uint8Array = modelBytes;

/** Loads the shipped classifier: `const clf = await loadDigitClassifier(); clf.classify(imageData)`. */
export async function loadDigitClassifier(backend?: Backend): Promise<DigitClassifier> {
  return createDigitClassifier(backend ?? (await createBackend()), modelBytes);
}
