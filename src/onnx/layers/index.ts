/**
 * The ONNX table of layer types, keyed like LAYER_TYPES (src/nn/layers/index.ts): each entry is
 * its type's export and the ONNX operators it imports. A layer type without an entry is a compile
 * error here; test/onnx-layers.test.ts checks the keys against LAYER_TYPES at run time too.
 */
import type { LayerSpec } from '../../nn/layers/index';
import type { LayerOnnx, OpImport } from '../layer-onnx';
import { DENSE_ONNX } from './dense';
import { CONV2D_ONNX } from './conv2d';
import { MAX_POOL2D_ONNX } from './max-pool2d';
import { FLATTEN_ONNX } from './flatten';
import { DROPOUT_ONNX } from './dropout';
import { EURNN_ONNX } from './eurnn';
import { RESHAPE_ONNX } from './reshape';
import { ACTIVATION_IMPORTS } from './activation';
import { GRAPH_OPS } from '../shape-ops';

export const ONNX_LAYERS: { readonly [T in LayerSpec['type']]: LayerOnnx<Extract<LayerSpec, { type: T }>> } = {
  dense: DENSE_ONNX,
  conv2d: CONV2D_ONNX,
  maxPool2d: MAX_POOL2D_ONNX,
  flatten: FLATTEN_ONNX,
  dropout: DROPOUT_ONNX,
  eurnn: EURNN_ONNX,
  reshape: RESHAPE_ONNX,
};

/** Every ONNX operator simdnet imports, by op_type: the layer types', activations and graph operators. */
export const ONNX_OPS: Readonly<Record<string, OpImport>> = Object.assign(
  {},
  ...Object.values(ONNX_LAYERS).map((l: LayerOnnx<never>) => l.imports ?? {}),
  ACTIVATION_IMPORTS,
  GRAPH_OPS,
);
