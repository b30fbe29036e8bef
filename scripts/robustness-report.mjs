// Accuracy of a digit model on the robustness set (scripts/robustness-set.mjs), broken down by font
// family, drawing mode and style, with the most frequent confusions. Reads the built package (npm run build).
//
//   taskset -c 0 node scripts/robustness-report.mjs [--model FILE] [--dir test/fixtures/robustness] [--json]
//
// Without --model: the shipped model (models/digits.simdnet). Overall accuracy alone is also
// `simdnet evaluate --pretrained --dataset test/fixtures/robustness`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBackend, deserializeModel, loadMnistTest, loadModel } from 'simdnet/node';
import { DIGIT_MODEL_BYTES } from 'simdnet/digits';

const { values } = parseArgs({ options: { model: { type: 'string' }, dir: { type: 'string', default: 'test/fixtures/robustness' }, json: { type: 'boolean' } } });
const backend = await createBackend({ threads: 1 });
const { net } = values.model ? await loadModel(backend, values.model) : deserializeModel(backend, DIGIT_MODEL_BYTES, 'pretrained');
const data = await loadMnistTest({ dir: values.dir });
const { fields, families, items } = JSON.parse(readFileSync(join(values.dir, 'items.json'), 'utf8'));
const at = Object.fromEntries(fields.map((f, i) => [f, i]));
const { accuracy, classes } = net.evaluate(data, { classes: true });

/** Accuracy per value of key(item), worst first. */
function by(key, keep = () => true) {
  const groups = new Map();
  items.forEach((it, i) => {
    if (!keep(it)) return;
    const k = key(it);
    const g = groups.get(k) ?? { right: 0, count: 0 };
    g.count++;
    if (classes[i] === data.y[i]) g.right++;
    groups.set(k, g);
  });
  return [...groups].map(([k, g]) => ({ key: k, accuracy: g.right / g.count, count: g.count })).sort((a, b) => a.accuracy - b.accuracy || String(a.key).localeCompare(String(b.key)));
}
/** Errors as "true→predicted" pairs, most frequent first, over the items that keep(item). */
function confusions(keep = () => true) {
  const pairs = new Map();
  classes.forEach((c, i) => {
    if (c !== data.y[i] && keep(items[i])) pairs.set(`${data.y[i]}→${c}`, (pairs.get(`${data.y[i]}→${c}`) ?? 0) + 1);
  });
  return [...pairs].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([pair, count]) => ({ pair, count }));
}
// Outlines (strokeText alone) are hollow shapes no pen draws: the solid digits are reported apart too.
const solid = (it) => it[at.mode] !== 'outline';
const solidCount = items.filter(solid).length;
const solidRight = items.filter((it, i) => solid(it) && classes[i] === data.y[i]).length;
const report = {
  model: values.model ?? 'pretrained',
  count: data.count,
  accuracy,
  solidAccuracy: solidRight / solidCount,
  solidCount,
  byMode: by((it) => it[at.mode]),
  byStyle: by((it) => `${it[at.weight]} ${it[at.style]}`),
  byFamily: by((it) => families[it[at.family]]),
  byFamilySolid: by((it) => families[it[at.family]], solid),
  confusions: confusions(),
  solidConfusions: confusions(solid),
};
if (values.json) {
  console.log(JSON.stringify(report));
} else {
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  const list = (rows) => rows.map((r) => `  ${String(r.key).padEnd(24)} ${pct(r.accuracy).padStart(6)}  (${r.count})`).join('\n');
  console.log(`${net.describe()}: ${report.model}`);
  console.log(`accuracy ${(100 * accuracy).toFixed(2)}% on ${data.count} rendered digits`);
  console.log(`accuracy ${(100 * report.solidAccuracy).toFixed(2)}% on the ${solidCount} solid ones (fill, pen: outlines left out)`);
  console.log(`by mode:\n${list(report.byMode)}`);
  console.log(`by weight and style:\n${list(report.byStyle)}`);
  console.log(`worst font families:\n${list(report.byFamily.slice(0, 12))}`);
  console.log(`worst font families, solid digits only:\n${list(report.byFamilySolid.slice(0, 8))}`);
  console.log(`best font families:\n${list(report.byFamily.slice(-5))}`);
  const top = (cs) => cs.slice(0, 12).map((c) => `${c.pair} ${c.count}`).join(', ');
  console.log(`most frequent confusions (true→predicted): ${top(report.confusions)}`);
  console.log(`  solid digits only: ${top(report.solidConfusions)}`);
}
