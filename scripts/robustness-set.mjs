// Builds the robustness set (issue 21): digits 0–9 that are not MNIST, rendered in Chromium from many
// installed fonts on a 280×280 canvas like the demo's drawing pad (black on white), then preprocessed
// exactly as a drawing is (src/digits/preprocess.ts, bundled into the page) and saved as 28×28 uint8
// images in MNIST's IDX layout, so `simdnet evaluate --dataset test/fixtures/robustness` reads them:
//   test/fixtures/robustness/t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, items.json
// Every variation (font, weight, italic, height, position, rotation, fill/outline/thick pen) comes
// from one seeded generator, so the same Chromium and fonts give the same bytes.
//
//   taskset -c 0 node scripts/robustness-set.mjs [--out DIR] [--seed N] [--per-digit N]
//
// Needs /usr/bin/chromium (or SIMDNET_CHROMIUM) and the font packages below; the committed set needs
// neither. Rendered fonts are not handwriting: see docs/results/robustness.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

// Debian packages beyond the base image's fonts (fonts-dejavu, fonts-liberation, fonts-urw-base35,
// fonts-noto-mono, fonts-droid-fallback); the handwriting-like ones matter most.
const APT = 'apt-get install -y fonts-comic-neue fonts-dkg-handwriting fonts-breip fonts-bwht fonts-femkeklaver fonts-humor-sans fonts-dancingscript fonts-kaushanscript fonts-kristi fonts-freefont-ttf fonts-hack fonts-cantarell fonts-lato';

// Every font family that has the digits, as fontconfig names them (fc-list ':charset=30-39' family),
// but symbol fonts (D050000L, Standard Symbols PS) and hairline weights (Lato Hairline, Lato Thin,
// Cantarell Thin: strokes under a pixel at 28×28, which no pen draws). Fixed here, so the set does
// not change with what else is installed.
const FAMILIES = [
  'Because We Build', 'Because We Connect', 'Because We Create', 'Because We Learn', 'Because We Mentor', 'Because We Organize',
  'Breip', 'C059', 'Cantarell', 'Cantarell Extra Bold', 'Cantarell Light', 'Comic Neue', 'Comic Neue Light', 'Dancing Script',
  'DejaVu Math TeX Gyre', 'DejaVu Sans', 'DejaVu Sans Condensed', 'DejaVu Sans Light', 'DejaVu Sans Mono', 'DejaVu Serif',
  'DejaVu Serif Condensed', 'DkgHandwriting', 'FreeMono', 'FreeSans', 'FreeSerif', 'Hack', 'Humor Sans', 'Kaushan Script',
  'Kristi', 'Lato', 'Lato Black', 'Lato Heavy', 'Lato Light', 'Lato Medium', 'Lato Semibold', 'Liberation Mono',
  'Liberation Sans', 'Liberation Sans Narrow', 'Liberation Serif', 'Nimbus Mono PS', 'Nimbus Roman', 'Nimbus Sans',
  'Nimbus Sans Narrow', 'Noto Mono', 'Noto Sans Mono', 'P052', 'URW Bookman', 'URW Gothic', 'Z003', 'femkeklaver',
];

const { values } = parseArgs({ options: { out: { type: 'string', default: 'test/fixtures/robustness' }, seed: { type: 'string', default: '21' }, 'per-digit': { type: 'string', default: '2' } } });
const perDigit = Number(values['per-digit']);

const installed = new Set(execFileSync('fc-list', [':charset=30-39', 'family'], { encoding: 'utf8' }).split('\n').flatMap((l) => l.split(',')).map((s) => s.trim()));
const missing = FAMILIES.filter((f) => !installed.has(f));
if (missing.length) throw new Error(`fonts not installed: ${missing.join(', ')}\n  ${APT}`);

// mulberry32: a few seeded draws per item, nothing the package's own Rng needs to carry.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(Number(values.seed));
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const round1 = (x) => Math.round(x * 10) / 10;

// One item: [family index, digit, weight, style, glyph height px, centre x, centre y, rotation°, mode, line width].
// mode: fill (fillText), outline (strokeText only, a hollow digit), pen (fill + a 20 px round stroke,
// the demo pad's pen width, like a thick marker).
const items = [];
FAMILIES.forEach((_, f) => {
  for (let digit = 0; digit < 10; digit++) {
    for (let k = 0; k < perDigit; k++) {
      const weight = rand() < 0.35 ? 'bold' : 'normal';
      const style = rand() < 0.3 ? 'italic' : 'normal';
      const height = Math.round(120 + rand() * 110); // the ink's height on the 280 px pad
      const cx = Math.round(140 + (rand() - 0.5) * (240 - height) * 0.8);
      const cy = Math.round(140 + (rand() - 0.5) * (240 - height) * 0.8);
      const rotation = round1((rand() - 0.5) * 24); // ±12°
      const r = rand();
      const mode = r < 0.6 ? 'fill' : r < 0.8 ? 'outline' : 'pen';
      const lineWidth = mode === 'outline' ? Math.round(3 + rand() * 7) : mode === 'pen' ? 20 : 0;
      items.push([f, digit, weight, style, height, cx, cy, rotation, mode, lineWidth]);
    }
  }
});

// preprocessDigit as the package ships it, bundled for the page (no wasm: pure TypeScript).
const bundle = await build({ entryPoints: ['src/digits/preprocess.ts'], bundle: true, format: 'iife', globalName: 'simdnetPreprocess', write: false, logLevel: 'error' });

const browser = await chromium.launch({
  executablePath: process.env.SIMDNET_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const images = new Uint8Array(items.length * 784);
try {
  const page = await browser.newPage();
  await page.setContent('<canvas id="pad" width="280" height="280"></canvas>');
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
  const BATCH = 150;
  for (let at = 0; at < items.length; at += BATCH) {
    const batch = items.slice(at, at + BATCH);
    const out = await page.evaluate(({ batch, families }) => {
      const pad = document.getElementById('pad');
      const ctx = pad.getContext('2d', { willReadFrequently: true });
      const result = [];
      for (const [f, digit, weight, style, height, cx, cy, rotation, mode, lineWidth] of batch) {
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.fillStyle = '#fff'; // the demo's clearPad
        ctx.fillRect(0, 0, 280, 280);
        // Measure the glyph at 200 px, then size the font so its ink is `height` px tall.
        const font = (px) => `${style} ${weight} ${px}px "${families[f]}"`;
        ctx.font = font(200);
        let m = ctx.measureText(String(digit));
        const size = (200 * height) / (m.actualBoundingBoxAscent + m.actualBoundingBoxDescent);
        ctx.font = font(size);
        m = ctx.measureText(String(digit));
        // Origin so the glyph's ink box is centred on (cx, cy), then rotated about that point.
        const x = (m.actualBoundingBoxLeft - m.actualBoundingBoxRight) / 2;
        const y = (m.actualBoundingBoxAscent - m.actualBoundingBoxDescent) / 2;
        ctx.translate(cx, cy);
        ctx.rotate((rotation * Math.PI) / 180);
        ctx.fillStyle = ctx.strokeStyle = '#000'; // the demo's pen
        ctx.lineJoin = ctx.lineCap = 'round';
        ctx.lineWidth = lineWidth;
        if (mode !== 'outline') ctx.fillText(String(digit), x, y);
        if (mode !== 'fill') ctx.strokeText(String(digit), x, y);
        const input = globalThis.simdnetPreprocess.preprocessDigit(ctx.getImageData(0, 0, 280, 280));
        result.push(Array.from(input, (v) => Math.round(v * 255)));
      }
      return result;
    }, { batch, families: FAMILIES });
    out.forEach((pixels, i) => images.set(pixels, (at + i) * 784));
  }
} finally {
  await browser.close();
}

// IDX as MNIST's: magic 0x803 (ubyte, 3 dims) N×28×28, and 0x801 (ubyte, 1 dim) N labels.
const header = (magic, dims) => {
  const b = Buffer.alloc(4 + 4 * dims.length);
  b.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  return b;
};
const labels = Uint8Array.from(items, (it) => it[1]);
mkdirSync(values.out, { recursive: true });
const gz = (parts) => gzipSync(Buffer.concat(parts), { level: 9 });
writeFileSync(join(values.out, 't10k-images-idx3-ubyte.gz'), gz([header(0x803, [items.length, 28, 28]), images]));
writeFileSync(join(values.out, 't10k-labels-idx1-ubyte.gz'), gz([header(0x801, [items.length]), labels]));
const chromiumVersion = execFileSync(process.env.SIMDNET_CHROMIUM ?? '/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
const json = [
  '{',
  `  "made": ${JSON.stringify(`node scripts/robustness-set.mjs --seed ${values.seed} --per-digit ${perDigit} (${chromiumVersion})`)},`,
  '  "fields": ["family", "digit", "weight", "style", "height", "cx", "cy", "rotation", "mode", "lineWidth"],',
  `  "families": ${JSON.stringify(FAMILIES)},`,
  '  "items": [',
  items.map((it) => '    ' + JSON.stringify(it)).join(',\n'),
  '  ]',
  '}',
  '',
].join('\n');
writeFileSync(join(values.out, 'items.json'), json);
console.log(`${items.length} images from ${FAMILIES.length} font families → ${values.out}`);
