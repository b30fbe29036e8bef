// eurnn: refused. Its recurrence over steps would be a Scan or Loop graph of rotations, which this
// exporter does not write (and importers of such graphs are rare); the error says so.
import type { EurnnSpec } from '../../nn/layers/eurnn';
import { fail } from '../../errors';
import type { LayerOnnx } from '../layer-onnx';

export const EURNN_ONNX: LayerOnnx<EurnnSpec> = {
  export: (_spec, _x, { prefix }) =>
    fail('ONNX_UNSUPPORTED', `${prefix}: the EURNN layer cannot be exported to ONNX: its recurrence would need a Scan or Loop graph, which simdnet does not write; save it as a simdnet model instead`),
};
