// report.html from a real `simdnet train --out` run, opened from disk in Chromium: it renders every
// chart with no console error; the screenshot is kept in test-artifacts/.
import { describe, it, expect } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { launchChromium, collectErrors, artifactPath } from './chromium';

describe('report.html in Chromium', () => {
  it('opens from disk and shows the five charts with no console error', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'simdnet-report-browser-')), 'run');
    const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'simdnet.js'), 'train', '--limit', '3000', '--epochs', '3', '--out', dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
      const errors = collectErrors(page);
      await page.goto(pathToFileURL(join(dir, 'report.html')).href);
      const sizes = await page.$$eval('figure > svg', (svgs) => svgs.map((s) => { const b = s.getBoundingClientRect(); return [b.width, b.height]; }));
      expect(sizes.length).toBe(5);
      for (const [w, h] of sizes) expect(w * h).toBeGreaterThan(100 * 100);
      // The digit images decode (data: URLs of our PNG encoder): every <image> has loaded pixels.
      const decoded = await page.$$eval('image', (imgs) => Promise.all(imgs.map((i) => {
        const img = new Image();
        img.src = i.getAttribute('xlink:href') ?? i.getAttribute('href') ?? '';
        return img.decode().then(() => img.naturalWidth, () => 0);
      })));
      expect(decoded.length).toBe(36);
      expect(decoded.every((w) => w === 28)).toBe(true);
      await page.screenshot({ path: artifactPath('report.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
