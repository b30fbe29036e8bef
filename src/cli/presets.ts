// `simdnet train --model NAME`: named configurations. A preset gives the defaults of the flags it
// names; a flag given on the command line wins, except --layers for presets with a fixed network.
import { conv2d, maxPool2d, dense, type LayerSpec } from '../nn/layers/index';
import type { OptimizerName } from '../nn/optimizers';

export interface ModelPreset {
  /** One line for --help and the README. */
  summary: string;
  /** A fixed network (then --layers is refused), or undefined: the --layers network. */
  layers?: LayerSpec[];
  /** Image input [h, w, 1] instead of flat pixels. */
  image?: boolean;
  defaults: PresetDefaults;
  /** Defaults that apply on top of those when training on MNIST (the default dataset). */
  mnistDefaults?: PresetDefaults;
}

type PresetDefaults = Partial<{ layers: string; init: string; epochs: number; optimizer: OptimizerName; lr: number; schedule: 'constant' | 'cosine'; augment: boolean }>;

/** --model cnn: conv 5×5×32, pool, conv 5×5×64, pool, dense 10 (the CNN of issue 7; 99.41% MNIST test; the shipped digit model until issue 21). */
export const CNN_PRESET: LayerSpec[] = [
  conv2d(32, 5, { activation: 'relu' }), maxPool2d(2), conv2d(64, 5, { activation: 'relu' }), maxPool2d(2), dense(10),
];

export const MODEL_PRESETS = {
  mlp: {
    summary: 'the --layers network (default 784-256 relu-128 relu-10), He init, Adam 0.001, cosine, 20 epochs',
    defaults: {},
  },
  seed004: {
    summary: 'the MNIST seed network: 784-80 relu-70 tanh-10, normal(0, 0.01) init, SGD lr 0.1, constant, 30 epochs (≈ 97.7% test)',
    defaults: { layers: '80:relu,70:tanh,10', init: 'normal:0.01', epochs: 30, optimizer: 'sgd', lr: 0.1, schedule: 'constant' },
  },
  cnn: {
    summary: 'conv 5×5×32 relu, pool 2, conv 5×5×64 relu, pool 2, dense 10 on 28×28×1, He init, Adam, cosine; on MNIST ' +
      '12 epochs, lr 0.002, --augment (99.41% test), otherwise 10 epochs, lr 0.001',
    layers: CNN_PRESET,
    image: true,
    defaults: { epochs: 10 },
    // Without augmentation this network reached 99.28% MNIST test (10 epochs, lr 0.001).
    mnistDefaults: { epochs: 12, lr: 0.002, augment: true },
  },
} satisfies Record<string, ModelPreset>;

export type ModelName = keyof typeof MODEL_PRESETS;
/** Every --model value: the presets and eurnn (the recurrent model, with options of its own). */
export const MODEL_NAMES = [...Object.keys(MODEL_PRESETS), 'eurnn'] as ModelName[];
export const EURNN_SUMMARY = 'efficient unitary RNN on permuted MNIST, one pixel per step (simdnet train --model eurnn --help)';
