// saveModel / loadModel: model files on disk (Node). No static node: import (see node-builtins.ts),
// so Network.save / Network.load in the core can use them.
import { nodeFs, nodePath } from './node-builtins';
import type { Backend } from '../kernels/backend';
import { Network } from '../nn/network';
import { serializeModel, deserializeModel, type LoadedModel } from './model-file';
import { atomicWrite } from './atomic-node';
import { ModelFormatError } from '../errors';

/**
 * Saves a model atomically (temporary file, fsync, rename): a crash never leaves a broken model
 * where a good one was. `.json` paths get the JSON form, anything else the binary format.
 */
export async function saveModel(net: Network, path: string, metadata: Record<string, unknown> = {}): Promise<void> {
  const bytes = path.endsWith('.json') ? JSON.stringify({ ...net.toJSON(), metadata }) : serializeModel(net, metadata);
  await atomicWrite(path, bytes);
}

/** Loads a model saved by saveModel (binary or JSON, recognised by content); errors name the file. */
export async function loadModel(backend: Backend, path: string): Promise<LoadedModel> {
  const { readFile } = nodeFs('loading a model file');
  const { basename } = nodePath('loading a model file');
  let bytes: Uint8Array;
  try {
    const buf = await readFile(path);
    bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (e) {
    throw new ModelFormatError('MODEL_READ', `${path}: cannot read the model (${(e as Error).message})`);
  }
  if (bytes[0] === 0x7b /* { */) {
    let json;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      throw new ModelFormatError('MODEL_HEADER', `${basename(path)}: not valid JSON (${(e as Error).message})`);
    }
    return { net: Network.fromJSON(backend, json), metadata: json.metadata ?? {} };
  }
  return deserializeModel(backend, bytes, basename(path));
}
