// simdnet train --out: after a short real run every chart exists, is well-formed XML, and holds the
// series and marks of the run's own figures (history.json, the test predictions).
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { encodeGrayPng } from '../src/report/png';
import { PNG } from 'pngjs';

const BIN = join(__dirname, '..', 'bin', 'simdnet.js');
const EPOCHS = 3;

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true });

/** Every element named `tag` in the tree whose attributes satisfy `test`. */
function findAll(nodes: XmlNode[], tag: string, test: (attrs: Record<string, string>) => boolean = () => true): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (list: XmlNode[]) => {
    for (const node of list) {
      const name = Object.keys(node).find((k) => k !== ':@')!;
      if (name === tag && test(node[':@'] ?? {})) out.push(node);
      if (Array.isArray(node[name])) walk(node[name] as XmlNode[]);
    }
  };
  walk(nodes);
  return out;
}
const childrenOf = (node: XmlNode, tag: string) => findAll([node], tag).filter((n) => n !== node);
const markGroups = (svg: XmlNode[], cls: string) => findAll(svg, 'g', (a) => (a.class ?? '').startsWith(cls));
const label = (n: XmlNode) => n[':@']?.['aria-label'] ?? '';

function loadSvg(dir: string, file: string): XmlNode[] {
  const text = readFileSync(join(dir, file), 'utf8');
  expect(XMLValidator.validate(text), `${file} is well-formed XML`).toBe(true);
  const tree = parser.parse(text) as XmlNode[];
  expect(findAll(tree, 'svg').length, `${file} has an <svg> root`).toBe(1);
  return tree;
}

describe('simdnet train --out', () => {
  let dir: string;
  let history: { epochs: { epoch: number; trainLoss: number; validationLoss: number; trainAccuracy: number; validationAccuracy: number; maxAbsWeights: number[] }[]; layerNames: string[] };
  let done: { testAccuracy: number };

  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'simdnet-report-')), 'run');
    const r = spawnSync(process.execPath, [BIN, 'train', '--limit', '2000', '--epochs', String(EPOCHS), '--out', dir, '--json'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    done = JSON.parse(r.stdout.trim().split('\n').pop()!);
    history = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
  });

  it('writes history.json with every epoch and the run configuration, and every chart file', () => {
    expect(readdirSync(dir).sort()).toEqual(['accuracy.svg', 'confusion.svg', 'history.json', 'loss.svg', 'report.html', 'samples.svg', 'weights.svg']);
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(history.layerNames).toEqual(['dense0', 'dense1', 'dense2']);
    expect(JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')).config).toMatchObject({ epochs: EPOCHS, limit: 2000, optimizer: 'adam' });
  });

  it('loss.svg and accuracy.svg: a line per series (training, validation) through one point per epoch, at the recorded values', () => {
    for (const [file, train, valid] of [['loss.svg', 'trainLoss', 'validationLoss'], ['accuracy.svg', 'trainAccuracy', 'validationAccuracy']] as const) {
      const svg = loadSvg(dir, file);
      const lines = markGroups(svg, 'mark-line role-mark');
      expect(lines.length, `${file}: two line series`).toBe(2);
      for (const g of lines) expect(childrenOf(g, 'path').length).toBe(1);
      const points = markGroups(svg, 'mark-symbol role-mark').flatMap((g) => childrenOf(g, 'path'));
      expect(points.length, `${file}: a point per series per epoch`).toBe(2 * EPOCHS);
      for (const e of history.epochs) {
        for (const [series, key] of [['training', train], ['validation', valid]] as const) {
          const p = points.filter((n) => label(n).includes(`series: ${series};`) && label(n).startsWith(`epoch: ${e.epoch};`));
          expect(p.length, `${file} ${series} epoch ${e.epoch}`).toBe(1);
          expect(label(p[0])).toContain(`value: ${e[key].toFixed(4)}`);
        }
      }
    }
  });

  it('weights.svg: one series per layer with weights, one point per epoch', () => {
    const svg = loadSvg(dir, 'weights.svg');
    expect(markGroups(svg, 'mark-line role-mark').length).toBe(3);
    const points = markGroups(svg, 'mark-symbol role-mark').flatMap((g) => childrenOf(g, 'path'));
    expect(points.length).toBe(3 * EPOCHS);
    for (const [i, name] of history.layerNames.entries()) {
      const last = points.find((n) => label(n).includes(`series: ${name};`) && label(n).startsWith(`epoch: ${EPOCHS};`));
      expect(label(last!)).toContain(`value: ${history.epochs[EPOCHS - 1].maxAbsWeights[i].toFixed(4)}`);
    }
  });

  it('confusion.svg: 100 cells whose counts add up to the test set and agree with the accuracy', () => {
    const svg = loadSvg(dir, 'confusion.svg');
    const cells = markGroups(svg, 'mark-rect role-mark').flatMap((g) => childrenOf(g, 'path'));
    expect(cells.length).toBe(100);
    const parsed = cells.map((c) => /predicted: (\d); true class: (\d); count: (\d+)/.exec(label(c))!.slice(1).map(Number));
    expect(parsed.reduce((s, [, , n]) => s + n, 0)).toBe(2000);
    const correct = parsed.filter(([p, t]) => p === t).reduce((s, [, , n]) => s + n, 0);
    expect(correct / 2000).toBeCloseTo(done.testAccuracy, 10);
  });

  it('samples.svg: 36 digit images titled "label → prediction", a red frame for each wrong one', () => {
    const svg = loadSvg(dir, 'samples.svg');
    const images = findAll(svg, 'image');
    expect(images.length).toBe(36);
    for (const img of images) expect(img[':@']?.['xlink:href']).toMatch(/^data:image\/png;base64,/);
    const titles = markGroups(svg, 'mark-text role-mark').flatMap((g) => childrenOf(g, 'text'));
    expect(titles.length).toBe(36);
    const texts = titles.map((t) => JSON.stringify(t.text ?? t['#text'] ?? t)).map((s) => /(\d) → (\d)/.exec(s)!.slice(1).map(Number));
    const wrong = texts.filter(([l, p]) => l !== p).length;
    const frames = markGroups(svg, 'mark-symbol role-mark').flatMap((g) => childrenOf(g, 'path'));
    expect(frames.length).toBe(wrong);
    expect(readFileSync(join(dir, 'samples.svg'), 'utf8')).toContain(`(${wrong} wrong of 36, framed red)`);
  });

  it('report.html holds every chart inline and the configuration, with no script and no external resource', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html.match(/<svg[\s>]/g)?.length).toBe(5);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toContain('<dt>layers</dt><dd>256:relu,128:relu,10</dd>');
    // Accuracies as the CLI prints them, not as raw fractions.
    expect(html).toMatch(/<dt>test accuracy<\/dt><dd>\d{1,3}\.\d\d%<\/dd>/);
    expect(html).toMatch(/<dt>final validation accuracy<\/dt><dd>\d{1,3}\.\d\d%<\/dd>/);
  });
});

describe('encodeGrayPng', () => {
  it('writes a PNG that a real decoder (pngjs) reads back pixel for pixel, for odd sizes and > 64 KB of pixels', () => {
    for (const [w, h] of [[1, 1], [28, 28], [3, 7], [300, 251]]) {
      const px = Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + (i >> 3)) & 255);
      const back = PNG.sync.read(Buffer.from(encodeGrayPng(px, w, h)));
      expect([back.width, back.height]).toEqual([w, h]);
      const gray = Uint8Array.from({ length: w * h }, (_, i) => back.data[4 * i]);
      expect(gray).toEqual(px);
    }
  });
});
