/**
 * The JSON form of a network (version 2) and the upgrade of version 1:
 *
 *   { format: 'simdnet', version: 2, input: 784 | [28, 28, 1], loss, init, seed,
 *     layers: [{ type: 'dense', units: 80, activation: 'relu', params: { weights: [...], bias: [...] } }, …] }
 *
 * Each layer is its spec (LAYER_TYPES parses it) plus `params`: its tensors by name, row-major
 * (dense weights [in, out]; conv weights [kh·kw·cin, cout]; EURNN angles [capacity, units] …).
 * Version 1 (simdnet 0.1) wrote dense layers as { in, out, activation, weights, bias } and conv
 * layers with top-level weights/bias; it is read through upgradeLayerV1.
 */
import { fail, SimdnetError } from '../errors';
import type { Shape } from './layer';
import { parseLayerSpec, parseInputShape, type LayerSpec } from './layers/index';

/** What the checks need of a tensor (Network's ParamTensor). */
export interface TensorInfo {
  name: string;
  /** Its layer's index in the layer list and its name there. */
  layer: number;
  param: string;
  shape: number[];
  count: number;
}

/** A network's constructor arguments, as read from JSON. */
export interface JsonConfig {
  input: Shape;
  layers: LayerSpec[];
  loss: string;
  init?: string;
  seed: number;
}

export interface LayerJson {
  type: string;
  [field: string]: unknown;
  params?: Record<string, number[]>;
}

export interface NetworkJson {
  format: 'simdnet';
  version: 2;
  input: number | number[];
  loss: string;
  init?: string;
  seed?: number;
  layers: LayerJson[];
}

/** The most parameters a JSON or binary model may declare unless the caller raises it. */
export const DEFAULT_MAX_PARAMS = 100_000_000;
/** The most values per example a model file may declare as its input (16.7 M: a 2048×2048×4 image). */
export const MAX_FILE_INPUT = 1 << 24;

/** A model file's input shape: checked like any, and at most MAX_FILE_INPUT values per example. */
export function parseFileInput(input: unknown): Shape {
  const shape = parseInputShape(input, 'input');
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_FILE_INPUT) fail('MODEL_LIMIT', `input [${shape.join(', ')}] has ${size} values per example, more than a model file may declare (${MAX_FILE_INPUT})`);
  return shape;
}

/** A version-1 layer in version-2 form (spec fields + params). */
export function upgradeLayerV1(layer: Record<string, unknown>): Record<string, unknown> {
  const { weights, bias, in: _in, out, ...rest } = layer;
  const upgraded: Record<string, unknown> = layer.type === 'dense' ? { ...rest, units: out } : { ...rest };
  if (weights !== undefined || bias !== undefined) upgraded.params = { weights, bias };
  return upgraded;
}

/**
 * Runs `build` on a model file's contents: its SHAPE/ARGUMENT refusals (and any engine error) become
 * MODEL_SHAPE errors named after the file, so every refusal of a model is a ModelFormatError.
 */
export function asModelError<T>(where: string, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof SimdnetError && (e.code === 'SHAPE' || e.code === 'ARGUMENT')) fail('MODEL_SHAPE', `${where}: ${e.message}`);
    if (e instanceof SimdnetError) throw e;
    return fail('MODEL_SHAPE', `${where}: ${(e as Error).message}`);
  }
}

/**
 * Checks a JSON model and returns the network's config and its tensors' values in layout order.
 * `layout` gives the tensor table of specs without allocating anything, so every length is
 * checked against the file's own numbers before the network reserves memory.
 */
export function parseNetworkJson(
  json: unknown,
  layout: (specs: readonly LayerSpec[], input: Shape, seed: number) => TensorInfo[],
  options: { maxParams?: number; where?: string } = {},
): { config: JsonConfig; tensors: Float32Array[] } {
  const where = options.where ?? 'fromJSON';
  const j = json as Record<string, unknown> | null;
  if (typeof j !== 'object' || j === null || j.format !== 'simdnet') fail('MODEL_FORMAT', `${where}: not a simdnet model (format ${JSON.stringify(j?.format)})`);
  const version = j!.version;
  if (version !== 1 && version !== 2) fail('MODEL_VERSION', `${where}: unknown version ${JSON.stringify(version)}; this build reads versions 1 and 2`);
  if (!Array.isArray(j!.layers) || j!.layers.length === 0) fail('MODEL_SHAPE', `${where}: no layers`);
  const rawLayers = (j!.layers as unknown[]).map((l, i) => {
    if (typeof l !== 'object' || l === null || Array.isArray(l)) return fail('MODEL_SHAPE', `${where}: layer ${i} is ${JSON.stringify(l)}, not a layer object`);
    return version === 1 ? upgradeLayerV1(l as Record<string, unknown>) : (l as Record<string, unknown>);
  });
  const { config, tensors } = asModelError(where, () => {
    const specs = rawLayers.map((l, i) => {
      const { params: _params, ...spec } = l;
      return parseLayerSpec(spec, `layer ${i}`);
    });
    const input = parseFileInput(j!.input);
    const seed = j!.seed ?? 1;
    if (!Number.isSafeInteger(seed)) fail('SHAPE', `seed must be an integer, got ${JSON.stringify(j!.seed)}`);
    if (j!.init !== undefined && typeof j!.init !== 'string') fail('SHAPE', `init must be a string such as 'he', got ${JSON.stringify(j!.init)}`);
    if (j!.loss !== undefined && typeof j!.loss !== 'string') fail('SHAPE', `loss must be a string, got ${JSON.stringify(j!.loss)}`);
    const config: JsonConfig = { input, layers: specs, loss: (j!.loss ?? 'softmax-cross-entropy') as string, init: j!.init as string | undefined, seed: seed as number };
    return { config, tensors: layout(specs, input, seed as number) };
  });
  if (version === 1) checkV1Inputs(j!.layers as Record<string, unknown>[], tensors, where);
  const total = tensors.reduce((a, t) => a + t.count, 0);
  const maxParams = options.maxParams ?? DEFAULT_MAX_PARAMS;
  if (total > maxParams) fail('MODEL_LIMIT', `${where}: the layers need ${total} parameters, more than the limit of ${maxParams}`);
  const values = tensors.map((t) => {
    const [layerIndex, key] = [t.layer, t.param];
    const params = rawLayers[layerIndex].params as Record<string, unknown> | undefined;
    const given = typeof params === 'object' && params !== null && Object.hasOwn(params, key) ? params[key] : undefined;
    const at = `${where}: layer ${layerIndex} (${rawLayers[layerIndex].type}) ${key}`;
    if (!Array.isArray(given)) return fail('MODEL_SHAPE', `${at}: expected a list of ${t.count} numbers (shape [${t.shape.join(', ')}]), got ${given === undefined ? 'nothing' : typeof given}`);
    if (given.length !== t.count) return fail('MODEL_SHAPE', `${at}: has ${given.length} values, expected ${t.shape.join('×')} = ${t.count}`);
    const out = new Float32Array(t.count);
    for (let i = 0; i < t.count; i++) {
      const v = given[i];
      if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
        return fail('MODEL_WEIGHTS', `${at}: value ${i} is ${JSON.stringify(v) ?? String(v)}, not a finite float32 number`);
      }
      out[i] = v;
    }
    return out;
  });
  return { config, tensors: values };
}

/** Version 1 wrote each dense layer's input size: it must be what the layers before it give. */
export function checkV1Inputs(layers: readonly Record<string, unknown>[], tensors: readonly TensorInfo[], where: string): void {
  layers.forEach((l, i) => {
    if (l?.type !== 'dense' || l.in === undefined) return;
    const w = tensors.find((t) => t.layer === i && t.param === 'weights');
    if (w && w.shape[0] !== l.in) fail('MODEL_SHAPE', `${where}: layer ${i} (dense) takes ${JSON.stringify(l.in)} inputs but the previous layer gives ${w.shape[0]}`);
  });
}
