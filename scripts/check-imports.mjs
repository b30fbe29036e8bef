// Checks the module graph of src/ (../shared/DESIGN.md, "Dependencies point one way"):
//   1. no import cycle between files (`import type` statements are erased at build time and do not
//      count here: a class and the function that trains it may name each other's types);
//   2. every import between top-level folders, type-only ones included, goes down the layers below
//      or stays within a layer: a folder never imports one of a higher layer.
// Prints each problem and exits 1 when there is one. Run by `npm test` (test/imports.test.ts).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';

/** Layers, highest first; a module may import from its own layer's folder or any LOWER layer. */
const LAYERS = [
  ['entries', 'cli', 'report', 'bench'], // entries: src/index.ts, node.ts, digits-entry.ts, …
  ['digits', 'io', 'onnx'],
  ['nn'],
  ['kernels', 'data'],
  ['errors', 'rng'],
];
const root = resolve(process.argv[2] ?? 'src');
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.ts$/.test(name) && !name.endsWith('.d.ts')) files.push(path);
  }
};
walk(root);

const folderOf = (file) => {
  const rel = relative(root, file).split(/[\\/]/);
  return rel.length === 1 ? (['errors.ts', 'rng.ts'].includes(rel[0]) ? rel[0].slice(0, -3) : 'entries') : rel[0];
};
const layerOf = (folder) => LAYERS.findIndex((l) => l.includes(folder));

const edges = new Map();
const problems = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const targets = [];
  for (const m of text.matchAll(/^\s*(import|export)(\s+type)?\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    let target = resolve(dirname(file), m[3]);
    if (!target.endsWith('.ts')) target = files.includes(target + '.ts') ? target + '.ts' : join(target, 'index.ts');
    if (!files.includes(target)) continue; // .wasm, models, …
    if (!m[2]) targets.push(target);
    const [from, to] = [folderOf(file), folderOf(target)];
    if (from === to) continue;
    const [lf, lt] = [layerOf(from), layerOf(to)];
    if (lf < 0 || lt < 0) problems.push(`${relative(root, file)}: folder '${lf < 0 ? from : to}' is not in the layer table of scripts/check-imports.mjs`);
    else if (lt < lf) problems.push(`${relative(root, file)} imports ${relative(root, target)}: '${from}' may not depend on '${to}' (dependencies point down: ${LAYERS.map((l) => l.join('/')).join(' → ')})`);
  }
  edges.set(file, targets);
}

// Cycles: depth-first search, reporting each cycle once by its smallest rotation.
const seen = new Set();
const state = new Map();
const stack = [];
const visit = (file) => {
  state.set(file, 1);
  stack.push(file);
  for (const next of edges.get(file) ?? []) {
    if (state.get(next) === 1) {
      const cycle = stack.slice(stack.indexOf(next)).map((f) => relative(root, f));
      const key = [...cycle].sort().join(' ');
      if (!seen.has(key)) { seen.add(key); problems.push(`import cycle: ${[...cycle, cycle[0]].join(' → ')}`); }
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, 2);
};
for (const file of files) if (!state.has(file)) visit(file);

for (const p of problems) console.error(p);
console.log(JSON.stringify({ files: files.length, imports: [...edges.values()].reduce((a, t) => a + t.length, 0), problems: problems.length }));
process.exit(problems.length ? 1 : 0);
