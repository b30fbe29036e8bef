// simdnet/report: the Vega-Lite specs of the training charts (pure functions, no Vega import). The
// CLI renders them to SVG (`simdnet train --out`); pages render them with Vega (the demo does).
export { seriesChartSpec, lossSpec, accuracySpec, weightsSpec, samplesSpec, confusionSpec } from './report/specs';
export type { SeriesRow, SeriesChartOptions, VegaLiteSpec, Sample } from './report/specs';
export { encodeGrayPng, grayPngDataUrl } from './report/png';
