// Vega-Lite bar charts of the results: one chart per workload, a row of bars per case, a bar per
// variant (longer is faster). Pure functions of the records (no Vega import): the CLI renders them
// to SVG for --out (report/render-node.ts), the demo page draws them live with Vega.
import type { VegaLiteSpec } from '../report/specs';
import { variantLabel, type ResultRecord, type WorkloadName } from './records';

export interface ChartRow {
  case: string;
  variant: string;
  engine: string;
  value: number;
}

/** What a workload's bars show: GFLOP/s for GEMM, otherwise throughput. */
export const chartMetric = (workload: WorkloadName): { title: string; of: (r: ResultRecord) => number | null } =>
  workload === 'gemm' ? { title: 'GFLOP/s', of: (r) => r.gflops } : { title: 'items per second (images, sequences)', of: (r) => r.throughput };

export function chartRows(results: ResultRecord[]): ChartRow[] {
  return results.flatMap((r) => {
    const value = chartMetric(r.workload).of(r);
    return value === null ? [] : [{ case: r.title, variant: variantLabel(r), engine: r.engine, value }];
  });
}

const TITLES: Record<WorkloadName, string> = {
  gemm: 'GEMM', epoch: 'MLP training (seed-004 epoch)', cnn: 'CNN training', eurnn: 'EURNN training', inference: 'Inference',
};

/**
 * The chart of one workload: a bar chart per case (each with its own scales: one image per call and
 * 10,000 per batch differ by orders), stacked; the values are inline (a live page draws it again as
 * cases come in).
 */
export function benchChartSpec(workload: WorkloadName, rows: ChartRow[]): VegaLiteSpec {
  const metric = chartMetric(workload);
  const cases = [...new Set(rows.map((r) => r.case))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${TITLES[workload]}: ${metric.title} (longer is faster)`,
    data: { values: rows },
    vconcat: cases.map((c) => ({
      title: { text: c, fontSize: 11, anchor: 'start' },
      transform: [{ filter: { field: 'case', equal: c } }],
      width: 420,
      height: { step: 18 },
      encoding: {
        y: { field: 'variant', type: 'nominal', title: null, sort: null },
        x: { field: 'value', type: 'quantitative', title: metric.title },
        tooltip: [{ field: 'variant' }, { field: 'value', format: ',.4~g' }],
      },
      layer: [
        { mark: { type: 'bar' }, encoding: { color: { field: 'engine', type: 'nominal', title: null, scale: { domain: ['simdnet', 'tfjs', 'onnxruntime'] }, legend: { orient: 'bottom' } } } },
        { mark: { type: 'text', align: 'left', dx: 3 }, encoding: { text: { field: 'value', type: 'quantitative', format: '.3~s' } } },
      ],
    })),
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}
