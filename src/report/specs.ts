// Vega-Lite specs for training charts: pure functions of the figures, no Vega import, usable in
// Node (rendered to SVG by render-node.ts for `simdnet train --out`) and in browsers (the demo's
// live charts, `simdnet/report`). Each spec is a plain object; data is inlined as `values`, or left
// as a named source ('rows') that a live view appends to.
import type { History } from '../nn/fit';
import { grayPngDataUrl } from './png';

/** One point of a line chart: x (epoch or step), y, and the series it belongs to. */
export interface SeriesRow {
  x: number;
  value: number;
  series: string;
}

export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface SeriesChartOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Fixed y range, e.g. [0, 1] for accuracy; otherwise fitted to the data. */
  yDomain?: [number, number];
  /** Log y scale (for loss and weights, which span decades). */
  yLog?: boolean;
  /** Inline data; without it the chart reads the named source 'rows' (live charts). */
  values?: SeriesRow[];
  width?: number;
  height?: number;
}

/** Lines with points, one colour per series: the shape of every history chart. */
export function seriesChartSpec(o: SeriesChartOptions): VegaLiteSpec {
  // A log scale never includes zero (vega warns if asked not to).
  const scale: Record<string, unknown> = o.yDomain ? { domain: o.yDomain } : o.yLog ? {} : { zero: false };
  if (o.yLog) scale.type = 'log';
  return {
    $schema: SCHEMA,
    title: o.title,
    width: o.width ?? 380,
    height: o.height ?? 220,
    data: o.values ? { values: o.values } : { name: 'rows' },
    // A live chart starts empty: its legend and axis labels appear with the data, and the view must
    // grow to fit them (Vega sizes a view once unless told to resize, and clipped them).
    autosize: { type: 'pad', resize: true },
    mark: { type: 'line', point: { size: 22 } },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xTitle, axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: o.yTitle, scale },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
      tooltip: [{ field: 'series' }, { field: 'x', title: o.xTitle }, { field: 'value', format: '.4f' }],
    },
  };
}

const rows = (history: History, pick: (r: History['epochs'][number]) => [string, number | undefined][]): SeriesRow[] =>
  history.epochs.flatMap((r) => pick(r).filter(([, v]) => v !== undefined && Number.isFinite(v)).map(([series, value]) => ({ x: r.epoch, value: value!, series })));

/** Training vs validation loss per epoch. */
export function lossSpec(history: History): VegaLiteSpec {
  return seriesChartSpec({
    title: 'Loss per epoch', xTitle: 'epoch', yTitle: 'cross-entropy',
    values: rows(history, (r) => [['training', r.trainLoss], ['validation', r.validationLoss]]),
  });
}

/** Training vs validation accuracy per epoch. */
export function accuracySpec(history: History): VegaLiteSpec {
  return seriesChartSpec({
    title: 'Accuracy per epoch', xTitle: 'epoch', yTitle: 'accuracy',
    values: rows(history, (r) => [['training', r.trainAccuracy], ['validation', r.validationAccuracy]]),
  });
}

/** The largest |w| of each layer's weights per epoch; layerNames from net.weightLayerNames(). */
export function weightsSpec(history: History, layerNames: string[]): VegaLiteSpec {
  return seriesChartSpec({
    title: 'Largest |w| per layer', xTitle: 'epoch', yTitle: 'max |w|', yLog: true,
    values: rows(history, (r) => r.maxAbsWeights.map((w, i) => [layerNames[i] ?? `layer ${i}`, w] as [string, number])),
  });
}

export interface Sample {
  /** Row-major grayscale pixels, 0–255. */
  pixels: ArrayLike<number>;
  label: number;
  predicted: number;
}

/**
 * A grid of digits (image marks with PNG data: URLs, so the SVG is self-contained), each titled
 * "label → prediction"; a wrong prediction gets a red frame and a red title.
 */
export function samplesSpec(samples: Sample[], opts: { width: number; height: number; columns?: number; classNames?: readonly string[] }): VegaLiteSpec {
  const { width, height } = opts;
  const columns = opts.columns ?? 6;
  const size = 56; // px per digit
  const name = (c: number) => opts.classNames?.[c] ?? String(c);
  const values = samples.map((s, i) => ({
    i,
    col: i % columns,
    row: Math.floor(i / columns),
    url: grayPngDataUrl(s.pixels, width, height),
    text: `${name(s.label)} → ${name(s.predicted)}`,
    wrong: s.label !== s.predicted,
  }));
  const rowsCount = Math.ceil(samples.length / columns);
  const cellW = size + 14, cellH = size + 22;
  const x = { field: 'col', type: 'quantitative', scale: { domain: [-0.5, columns - 0.5] }, axis: null };
  const y = { field: 'row', type: 'quantitative', scale: { domain: [-0.5, rowsCount - 0.5], reverse: true }, axis: null };
  const wrongCount = values.filter((v) => v.wrong).length;
  return {
    $schema: SCHEMA,
    title: `Test digits: label → prediction (${wrongCount} wrong of ${samples.length}, framed red)`,
    width: columns * cellW,
    height: rowsCount * cellH,
    config: { view: { stroke: null } },
    data: { values },
    layer: [
      {
        // The frame of a wrong prediction.
        transform: [{ filter: 'datum.wrong' }],
        mark: { type: 'square', size: (size + 8) ** 2, filled: false, stroke: '#e41a1c', strokeWidth: 2.5, yOffset: 4 },
        encoding: { x, y },
      },
      {
        mark: { type: 'image', width: size, height: size, yOffset: 4, aria: false },
        encoding: { x, y, url: { field: 'url', type: 'nominal' } },
      },
      {
        mark: { type: 'text', fontSize: 11, yOffset: -(size / 2) - 4, baseline: 'bottom', aria: false },
        encoding: {
          x, y,
          text: { field: 'text' },
          color: { condition: { test: 'datum.wrong', value: '#e41a1c' }, value: '#333' },
        },
      },
    ],
  };
}

/** The confusion matrix as a heat map with counts; rows true class, columns predicted. */
export function confusionSpec(matrix: number[][], classNames?: readonly string[]): VegaLiteSpec {
  const name = (c: number) => classNames?.[c] ?? String(c);
  const order = matrix.map((_, c) => name(c));
  const values = matrix.flatMap((row, t) => row.map((count, p) => ({ truth: name(t), predicted: name(p), count, diagonal: t === p })));
  return {
    $schema: SCHEMA,
    title: 'Confusion matrix (test set)',
    width: 360,
    height: 360,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: order, title: 'predicted' },
      y: { field: 'truth', type: 'ordinal', sort: order, title: 'true class' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: { color: { field: 'count', type: 'quantitative', scale: { type: 'symlog', scheme: 'blues' }, legend: null } },
      },
      {
        mark: { type: 'text', fontSize: 9 },
        encoding: {
          text: { field: 'count', type: 'quantitative' },
          color: { condition: { test: 'datum.diagonal', value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}
