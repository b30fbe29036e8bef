// simdnet/onnx: ONNX export and import (opset 13). A separate entry so the core bundle does not
// carry it; it shares the core's chunks (one Network class, one set of error classes).
export { toOnnx, toOnnxModel, ONNX_OPSET, ONNX_IR_VERSION } from './onnx/export';
export { nchwToNhwc } from './onnx/layout';
export type { ToOnnxOptions } from './onnx/export';
export { fromOnnx, importOnnx } from './onnx/import';
export type { FromOnnxOptions, ImportedOnnx, GraphOutput } from './onnx/import';
export { decodeModel as decodeOnnx, encodeModel as encodeOnnx } from './onnx/onnx-proto';
export type { OnnxModel, OnnxGraph, OnnxNode, OnnxTensor, OnnxAttribute, OnnxValueInfo, DecodeLimits } from './onnx/onnx-proto';
