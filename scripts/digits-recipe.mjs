// The shipped digit model's architecture and training recipe, shared by scripts/train-pretrained.mjs
// (which makes models/digits.simdnet) and scripts/train-digits-lean.mjs (which tries other
// architectures with the same recipe). Needs `npm run build` first (imports dist/).
import { conv2d, maxPool2d, dense, adam, augmentDigits, fromArrays } from '../dist/node.js';

const relu = { activation: 'relu' };
const valid = { activation: 'relu', padding: 'valid' };

/** Candidate architectures (issue 21); SHIPPED names the one in models/digits.simdnet. */
export const DIGIT_ARCHS = {
  // The --model cnn preset, shipped until issue 21: 83k parameters, 10.7 M multiply-adds.
  cnn: [conv2d(32, 5, relu), maxPool2d(2), conv2d(64, 5, relu), maxPool2d(2), dense(10)],
  // conv 3×3×16 same, pool, conv 3×3×32 same, pool, dense 10
  A: [conv2d(16, 3, relu), maxPool2d(2), conv2d(32, 3, relu), maxPool2d(2), dense(10)],
  // conv 5×5×16, pool, conv 5×5×32, pool, dense 10
  B: [conv2d(16, 5, relu), maxPool2d(2), conv2d(32, 5, relu), maxPool2d(2), dense(10)],
  // conv 3×3×16, conv 3×3×16, pool, conv 3×3×32, pool, dense 10
  C: [conv2d(16, 3, relu), conv2d(16, 3, relu), maxPool2d(2), conv2d(32, 3, relu), maxPool2d(2), dense(10)],
  // A with a third pool: 3×3×32 maps, 288 dense inputs
  D: [conv2d(16, 3, relu), maxPool2d(2), conv2d(32, 3, relu), maxPool2d(2), conv2d(32, 3, relu), maxPool2d(2), dense(10)],
  // 'valid' 3×3 convs: 26×26×12, pool, 11×11×24, pool, 3×3×48, dense 10 (17k parameters, ~0.5 M multiply-adds)
  E: [conv2d(12, 3, valid), maxPool2d(2), conv2d(24, 3, valid), maxPool2d(2), conv2d(48, 3, valid), dense(10)],
  // E wider: 16, 32, 48 maps (23k parameters, ~0.8 M multiply-adds)
  I: [conv2d(16, 3, valid), maxPool2d(2), conv2d(32, 3, valid), maxPool2d(2), conv2d(48, 3, valid), dense(10)],
  // E with a 5×5 first layer and 64 maps at the end (29k parameters)
  G: [conv2d(16, 5, valid), maxPool2d(2), conv2d(32, 3, valid), maxPool2d(2), conv2d(64, 3, valid), dense(10)],
};
// all: trained on all 60,000 MNIST training images; finetune: epochs without augmentation after (fineTuneOptions).
export const SHIPPED = { arch: 'E', epochs: 20, lr: 0.002, all: true, finetune: 2 };

/** The network options: He init, seed 1. */
export const digitNetwork = (arch) => ({ input: [28, 28, 1], layers: DIGIT_ARCHS[arch], init: 'he', seed: 1 });

/**
 * The fit() options: Adam, cosine schedule, batch 64, seed 1, seeded on-the-fly augmentation
 * (rotation ±15°, scale 0.8–1.2, shifts ±3 px, thicker/thinner strokes); `extra` adds validation,
 * callbacks or a signal.
 */
export const digitFitOptions = (epochs, lr, extra = {}) => ({
  epochs, batchSize: 64, optimizer: adam({ lr }), schedule: 'cosine', seed: 1, augment: augmentDigits({ seed: 1 }), ...extra,
});

/**
 * Fine-tuning after the augmented run: `epochs` more on the plain images at a tenth of the learning
 * rate (the cosine schedule lowers it epoch by epoch: lr/10, then lr/20 for 2 epochs), so the last
 * steps see MNIST as the test set does.
 */
export const fineTuneOptions = (epochs, lr, extra = {}) => ({
  epochs, batchSize: 64, optimizer: adam({ lr: lr / 10 }), schedule: 'cosine', seed: 2, ...extra,
});

/**
 * The training images: MNIST's first 50,000 with the last 10,000 for validation, or (all) the
 * 60,000 without a validation set. train and validation are adjacent views of one file.
 */
export function mnistTrainingSet({ train, validation }, all = false) {
  if (!all) return { train, validation };
  const adjacent = (a, b) => a.buffer === b.buffer && b.byteOffset === a.byteOffset + a.byteLength;
  if (!adjacent(train.x, validation.x) || !adjacent(train.y, validation.y)) throw new Error('MNIST train and validation are not adjacent views');
  const x = new Uint8Array(train.x.buffer, train.x.byteOffset, train.x.length + validation.x.length);
  const y = new Uint8Array(train.y.buffer, train.y.byteOffset, train.y.length + validation.y.length);
  return { train: fromArrays({ x, shape: [28, 28, 1], y, classes: 10, name: 'MNIST train (60,000)' }), validation: undefined };
}

/** The model file's trainedOn line. */
export const trainedOn = (count, finetune) => `MNIST train (${count.toLocaleString('en')}) with augmentDigits({ seed: 1 })${finetune ? `, then ${finetune} epochs without it` : ''}`;

/** The per-epoch line both scripts print. */
export const logEpoch = (r) => console.error(`epoch ${r.epoch}: train ${(100 * r.trainAccuracy).toFixed(2)}%, ${r.validationAccuracy === undefined ? '' : `validation ${(100 * r.validationAccuracy).toFixed(2)}%, `}${r.seconds.toFixed(1)} s`);
