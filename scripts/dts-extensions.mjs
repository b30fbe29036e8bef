// Gives the relative imports of the emitted declarations (dist/types) their file extensions:
// `from './kernels/backend'` becomes `from './kernels/backend.js'`, `'./layers'` becomes
// `'./layers/index.js'`. The sources import without extensions (moduleResolution Bundler), and tsc
// copies the specifiers as written; under moduleResolution node16/nodenext an extensionless
// relative import in a package of "type": "module" does not resolve, and every type behind it
// silently becomes `any`. A specifier that names no emitted declaration fails the build.
// Run by `npm run build:js` after tsc; test/consumer.test.ts compiles against the result.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'dist/types');
const files = readdirSync(root, { recursive: true }).filter((f) => f.endsWith('.d.ts')).map((f) => join(root, f));

const problems = [];
let rewritten = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  // `from '…'` (import/export … from), `import('…')` (inline type imports), `import '…'`.
  const out = text.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g, (all, head, quote, spec) => {
    if (/\.(js|mjs|cjs|json)$/.test(spec)) return all;
    const base = resolve(dirname(file), spec);
    const target = existsSync(`${base}.d.ts`) ? `${spec}.js` : existsSync(join(base, 'index.d.ts')) ? `${spec.replace(/\/$/, '')}/index.js` : undefined;
    if (!target) {
      problems.push(`${relative(root, file)}: '${spec}' names no declaration file`);
      return all;
    }
    rewritten++;
    return `${head}${quote}${target}${quote}`;
  });
  if (out !== text) writeFileSync(file, out);
}
for (const p of problems) console.error(`dts-extensions: ${p}`);
if (problems.length) process.exit(1);
console.log(JSON.stringify({ declarationFiles: files.length, specifiersRewritten: rewritten }));
