// The Network users import: nn's Network plus model files (binary and JSON; on disk in Node).
// Model files are io's business, and io imports nn, never the reverse (../shared/DESIGN.md), so
// the file methods are added here, in a subclass that every entry exports as `Network`.
import { createBackend, type Backend } from '../kernels/backend';
import { Network as NetworkBase, tensorLayout } from '../nn/network';
import { parseLayerSpec, type LayerSpec } from '../nn/layers/index';
import { upgradeLayerV1, parseFileInput, checkV1Inputs, asModelError, DEFAULT_MAX_PARAMS } from '../nn/network-json';
import type { LossName } from '../nn/losses';
import { fail, ModelFormatError } from '../errors';
import { encodeModelFile, decodeModelFile } from './model-file';
import { nodeFs, nodePath } from './node-builtins';
import { atomicWrite } from './atomic-node';

export interface LoadedModel {
  net: Network;
  metadata: Record<string, unknown>;
}

export interface LoadOptions {
  /** The most parameters a file may declare (default 100,000,000 = 400 MB of weights). */
  maxParams?: number;
}

export class Network extends NetworkBase {
  /** The binary model format (see src/io/model-file.ts), with optional metadata. */
  serialize(metadata: Record<string, unknown> = {}): Uint8Array {
    return serializeModel(this, metadata);
  }

  /**
   * Saves the model to a file, atomically (temporary file, fsync, rename); a `.json` path gets the
   * JSON form. Node only: in a browser, serialize() and store the bytes yourself.
   */
  save(path: string, metadata: Record<string, unknown> = {}): Promise<void> {
    return saveModel(this, path, metadata);
  }

  /** Loads a model file written by save() (binary or JSON). Node only. Backend: createBackend() by default. */
  static async load(path: string, backend?: Backend, options?: LoadOptions): Promise<Network> {
    return (await loadModel(backend ?? (await createBackend()), path, options)).net;
  }

  /** Rebuilds a network from serialize() bytes, refusing damaged or hostile files with a ModelFormatError. */
  static deserialize(backend: Backend, bytes: Uint8Array, options?: LoadOptions): Network {
    return deserializeModel(backend, bytes, 'model', options).net;
  }
}

export function serializeModel(net: NetworkBase, metadata: Record<string, unknown> = {}): Uint8Array {
  const { input, loss, init, seed, layers } = net.toJSON();
  const specs = layers.map(({ params: _params, ...spec }) => spec);
  return encodeModelFile({ input, loss, init, seed, layers: specs, tensors: net.tensors.map(({ name, shape, offset, count }) => ({ name, shape, offset, count })), metadata }, net.getWeights());
}

/** Rebuilds a network from model-file bytes (version 1 or 2), refusing damaged or hostile files. */
export function deserializeModel(backend: Backend, bytes: Uint8Array, name = 'model', options: LoadOptions = {}): LoadedModel {
  const { version, header, weights } = decodeModelFile(bytes, name, options.maxParams ?? DEFAULT_MAX_PARAMS);
  // Shapes: sizes within limits, layers that chain, and the parameter table they imply — all
  // checked before the network allocates anything.
  const { specs, input, seed } = asModelError(name, () => {
    const specs: LayerSpec[] = header.layers.map((l, i) => {
      const { params: _params, ...spec } = version === 1 ? upgradeLayerV1(l) : l;
      return parseLayerSpec(spec, `layer ${i}`);
    });
    const seed = header.seed ?? 1;
    if (!Number.isSafeInteger(seed)) fail('SHAPE', `seed must be an integer, got ${JSON.stringify(header.seed)}`);
    return { specs, input: parseFileInput(header.input), seed: seed as number };
  });
  const tensors = asModelError(name, () => tensorLayout(specs, input, seed));
  if (version === 1) checkV1Inputs(header.layers, tensors, name);
  const implied = tensors.length ? tensors[tensors.length - 1].offset + Math.ceil(tensors[tensors.length - 1].count / 4) * 4 : 0;
  const maxParams = options.maxParams ?? DEFAULT_MAX_PARAMS;
  if (implied > maxParams) fail('MODEL_LIMIT', `${name}: the layers need ${implied} parameters, more than the limit of ${maxParams} (LoadOptions.maxParams raises it)`);
  if (implied !== weights.length) fail('MODEL_SHAPE', `${name}: the layers need ${implied} parameters but the file holds ${weights.length}`);
  // Version 1 numbered tensors by runtime layer (dense0, dense2, …): compare its layout, not its names.
  const table = (list: readonly { name: unknown; offset: unknown; count: unknown }[]) =>
    JSON.stringify(list.map((t) => (version === 1 ? [t?.offset, t?.count] : [t?.name, t?.offset, t?.count])));
  if (table(tensors) !== table(header.tensors)) fail('MODEL_SHAPE', `${name}: the tensor table does not match the layers`);
  const net = asModelError(name, () => {
    if (header.init !== undefined && typeof header.init !== 'string') fail('SHAPE', `init must be a string, got ${JSON.stringify(header.init)}`);
    return new Network(backend, { input, layers: specs, loss: header.loss as LossName | undefined, init: header.init as string | undefined, seed });
  });
  net.setWeights(weights);
  return { net, metadata: header.metadata };
}

/**
 * Saves a model atomically (temporary file, fsync, rename): a crash never leaves a broken model
 * where a good one was. `.json` paths get the JSON form, anything else the binary format.
 */
export async function saveModel(net: NetworkBase, path: string, metadata: Record<string, unknown> = {}): Promise<void> {
  const bytes = path.endsWith('.json') ? JSON.stringify({ ...net.toJSON(), metadata }) : serializeModel(net, metadata);
  await atomicWrite(path, bytes);
}

/** Loads a model saved by saveModel (binary or JSON, recognised by content); errors name the file. */
export async function loadModel(backend: Backend, path: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const { readFile } = nodeFs('loading a model file');
  const { basename } = nodePath('loading a model file');
  let bytes: Uint8Array;
  try {
    const buf = await readFile(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    fail('MODEL_READ', `${path}: cannot read the model (${(e as Error).message})`);
  }
  if (bytes[0] === 0x7b /* { */) {
    let json;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      return fail('MODEL_HEADER', `${basename(path)}: not valid JSON (${(e as Error).message})`);
    }
    const metadata = typeof json?.metadata === 'object' && json.metadata !== null ? json.metadata : {};
    return { net: Network.fromJSON(backend, json, options), metadata };
  }
  return deserializeModel(backend, bytes, basename(path), options);
}
