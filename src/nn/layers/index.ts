/**
 * The one table of layer types. Network, the JSON form and the model file read it; nothing else
 * switches on layer types. A new layer type is one file here, one row below, and its tests.
 */
import type { Layer, LayerType, Shape } from '../layer';
import { sizeOf } from '../layer';
import { fail } from '../../errors';
import { DENSE, dense, type DenseSpec } from './dense';
import { CONV2D, type Conv2DSpec } from './conv2d';
import { MAX_POOL2D, type MaxPool2DSpec } from './max-pool2d';
import { FLATTEN, type FlattenSpec } from './flatten';
import { DROPOUT, type DropoutSpec } from './dropout';
import { EURNN, type EurnnSpec } from './eurnn';
import { RESHAPE, type ReshapeSpec } from './reshape';
import { ACTIVATIONS, type ActivationName } from './activation';

export type LayerSpec = DenseSpec | Conv2DSpec | MaxPool2DSpec | FlattenSpec | DropoutSpec | EurnnSpec | ReshapeSpec;

export const LAYER_TYPES: { readonly [T in LayerSpec['type']]: LayerType<Extract<LayerSpec, { type: T }>> } = {
  dense: DENSE,
  conv2d: CONV2D,
  maxPool2d: MAX_POOL2D,
  flatten: FLATTEN,
  dropout: DROPOUT,
  eurnn: EURNN,
  reshape: RESHAPE,
};

export { dense, Dense } from './dense';
export type { DenseSpec } from './dense';
export { conv2d, Conv2D, windowGeometry } from './conv2d';
export type { Conv2DSpec } from './conv2d';
export { maxPool2d, MaxPool2D } from './max-pool2d';
export type { MaxPool2DSpec } from './max-pool2d';
export { flatten, Flatten } from './flatten';
export type { FlattenSpec } from './flatten';
export { dropout, Dropout } from './dropout';
export type { DropoutSpec } from './dropout';
export { eurnn, eurnnClassifier, EurnnLayer, EURNN_WEIGHT_LIMIT } from './eurnn';
export type { EurnnSpec } from './eurnn';
export { reshape, Reshape } from './reshape';
export type { ReshapeSpec } from './reshape';
export { ACTIVATIONS, Activation } from './activation';
export type { ActivationName } from './activation';

function layerType(type: unknown, where: string): LayerType {
  if (typeof type !== 'string' || !Object.hasOwn(LAYER_TYPES, type)) {
    fail('SHAPE', `${where}: unknown layer type ${JSON.stringify(type)}; expected ${Object.keys(LAYER_TYPES).join(', ')}`);
  }
  return LAYER_TYPES[type as LayerSpec['type']] as unknown as LayerType;
}

/** A spec from JSON or from a user, checked field by field and normalised by its type. */
export function parseLayerSpec(json: unknown, where: string): LayerSpec {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('SHAPE', `${where}: expected a layer object, got ${JSON.stringify(json)}`);
  const type = (json as { type?: unknown }).type;
  return { ...layerType(type, where).parse(json as Record<string, unknown>, `${where} (${String(type)})`) } as LayerSpec;
}

export function describeLayer(spec: LayerSpec): string {
  return layerType(spec.type, 'describe').describe(spec);
}

/** An input size or shape, checked: a positive integer, or a list of positive integers. */
export function parseInputShape(input: unknown, where = 'network'): Shape {
  const shape = typeof input === 'number' ? [input] : input;
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 4 || !shape.every((d) => Number.isSafeInteger(d) && d > 0) || sizeOf(shape) > 2 ** 31) {
    fail('SHAPE', `${where}: input must be a positive integer or a shape like [height, width, channels], got ${JSON.stringify(input)}`);
  }
  return [...shape];
}

/**
 * Runtime layers for a list of (parsed) specs, with the spec index of each. Each type builds on the
 * previous layer's output shape and says what does not fit.
 */
export function buildLayers(input: Shape, specs: readonly LayerSpec[], seed = 1): { layers: Layer[]; specIndex: number[] } {
  if (specs.length === 0) fail('SHAPE', 'network: needs at least one layer');
  const layers: Layer[] = [], specIndex: number[] = [];
  let shape = input;
  specs.forEach((spec, index) => {
    for (const layer of layerType(spec.type, `layer ${index}`).build(spec, shape, { seed, index })) {
      layers.push(layer);
      specIndex.push(index);
      shape = layer.outShape;
    }
  });
  return { layers, specIndex };
}

/** Parses the CLI's `80:relu,70:tanh,10` into dense specs. */
export function parseLayers(text: string): DenseSpec[] {
  return text.split(',').map((part, i) => {
    const [units, act = 'linear'] = part.trim().split(':');
    const n = Number(units);
    if (!Number.isInteger(n) || n <= 0) fail('ARGUMENT', `--layers: layer ${i + 1} ('${part}') needs a positive integer size, e.g. 80:relu`);
    if (!ACTIVATIONS.includes(act as ActivationName)) {
      fail('ARGUMENT', `--layers: layer ${i + 1} ('${part}') has unknown activation '${act}'; expected ${ACTIVATIONS.join(', ')}`);
    }
    return dense(n, act as ActivationName);
  });
}
