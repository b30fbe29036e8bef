// `simdnet train --out DIR`: history.json, the charts as SVG, and report.html, written atomically.
import type { History } from '../nn/fit';
import { atomicWrite, ensureDir } from '../io/atomic-node';
import { nodePath } from '../io/node-builtins';
import { lossSpec, accuracySpec, weightsSpec, samplesSpec, confusionSpec, type Sample } from './specs';
import { reportHtml, percent } from './report-html';

export interface RunReport {
  title: string;
  config: Record<string, unknown>;
  history: History;
  layerNames: string[];
  test?: { loss: number; accuracy: number };
  confusion?: number[][];
  samples?: Sample[];
  imageSize?: { width: number; height: number };
  classNames?: readonly string[];
}

/** The per-epoch figures; written after every epoch so a long run can be watched or plotted early. */
export async function writeHistory(dir: string, report: Pick<RunReport, 'config' | 'history' | 'layerNames'>): Promise<void> {
  await ensureDir(dir);
  const { history } = report;
  const json = { config: report.config, layerNames: report.layerNames, backend: history.backend, optimizer: history.optimizer, batchSize: history.batchSize, epochs: history.epochs };
  await atomicWrite(nodePath('--out').join(dir, 'history.json'), JSON.stringify(json, null, 2) + '\n');
}

/** Writes everything; returns the files written and the seconds the charts took to render. */
export async function writeReport(dir: string, report: RunReport): Promise<{ files: string[]; renderSeconds: number }> {
  const { join } = nodePath('--out');
  const { renderSvg } = await import('./render-node');
  await writeHistory(dir, report);
  const started = performance.now();
  const charts: [string, string, string][] = [
    ['loss.svg', 'Training and validation loss per epoch', await renderSvg(lossSpec(report.history))],
    ['accuracy.svg', 'Training and validation accuracy per epoch', await renderSvg(accuracySpec(report.history))],
    ['weights.svg', 'Largest |w| of each layer per epoch', await renderSvg(weightsSpec(report.history, report.layerNames))],
  ];
  if (report.samples && report.imageSize) {
    charts.push(['samples.svg', 'Test digits with their true and predicted labels', await renderSvg(samplesSpec(report.samples, { ...report.imageSize, classNames: report.classNames }))]);
  }
  if (report.confusion) charts.push(['confusion.svg', 'Confusion matrix on the test set', await renderSvg(confusionSpec(report.confusion, report.classNames))]);
  const renderSeconds = (performance.now() - started) / 1000;
  for (const [file, , svg] of charts) await atomicWrite(join(dir, file), svg);
  const last = report.history.epochs.at(-1);
  const results: Record<string, unknown> = {
    'test accuracy': percent(report.test?.accuracy),
    'test loss': report.test?.loss,
    'final validation accuracy': percent(last?.validationAccuracy),
    'final training loss': last?.trainLoss,
    epochs: report.history.epochs.length,
    'seconds per epoch': last ? report.history.epochs.reduce((s, r) => s + r.seconds, 0) / report.history.epochs.length : undefined,
    backend: report.history.backend,
  };
  const html = reportHtml({ title: report.title, config: report.config, results, charts: charts.map(([, caption, svg]) => [caption, svg]) });
  await atomicWrite(join(dir, 'report.html'), html);
  return { files: ['history.json', ...charts.map(([f]) => f), 'report.html'], renderSeconds };
}
