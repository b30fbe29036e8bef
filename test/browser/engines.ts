// The browser engines the browser tests run in, each driven the way Debian's build of it allows
// (browser builds cannot be downloaded here, so each one is a Debian package):
//   chromium  /usr/bin/chromium            playwright-core (CDP)
//   firefox   /usr/bin/firefox-esr         puppeteer-core over WebDriver BiDi (Debian ships no geckodriver)
//   webkit    WebKitGTK's MiniBrowser       /usr/bin/WebKitWebDriver (classic WebDriver) on its own Xvfb
// A test file drives the engine its vitest project names in SIMDNET_BROWSER through TestPage, the
// few things the tests do with a page. A missing browser fails with the apt-get command, never skips.
import { existsSync, mkdirSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import type { BackendChoice } from '../../src/kernels/backend';
import { launchChromium } from './chromium';
import { launchWebKit } from './webdriver';
import { killWithThisProcess } from './watchdog';
import { TestPage, type PageDriver, type TestBrowser } from './page';

export type EngineName = 'chromium' | 'firefox' | 'webkit';

export interface Engine {
  readonly name: EngineName;
  /** As test names say it. */
  readonly label: string;
  /** What detectFeatures() says in this engine as this process launches it. */
  readonly features: { readonly simd: boolean; readonly relaxedSimd: boolean };
  /** Whether a cross-origin isolated page has SharedArrayBuffer (what threads need). */
  readonly sharedMemory: boolean;
  launch(): Promise<TestBrowser>;
}

/**
 * playwright-core's and puppeteer-core's pages share these calls (mouse.move's steps, console and
 * pageerror events), so one driver serves both.
 */
interface CdpStylePage {
  goto(url: string): Promise<unknown>;
  evaluate(fn: (arg: never) => unknown, arg: unknown): Promise<unknown>;
  mouse: { move(x: number, y: number, o: { steps: number }): Promise<void>; down(): Promise<void>; up(): Promise<void> };
  keyboard: { type(text: string): Promise<void> };
  screenshot(o: { path: string; fullPage: boolean }): Promise<unknown>;
  on(event: 'console', f: (m: { type(): string; text(): string }) => void): unknown;
  on(event: 'pageerror', f: (e: unknown) => void): unknown;
}

function cdpStyleDriver(page: CdpStylePage): PageDriver {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e instanceof Error ? e.message : String(e)}`));
  return {
    goto: async (url) => void (await page.goto(url)),
    evaluate: (fn, arg) => page.evaluate(fn as (arg: never) => unknown, arg) as Promise<never>,
    mouseMove: (x, y, steps) => page.mouse.move(x, y, { steps }),
    mouseDown: () => page.mouse.down(),
    mouseUp: () => page.mouse.up(),
    type: (text) => page.keyboard.type(text),
    screenshot: async (path) => void (await page.screenshot({ path, fullPage: true })),
    errors: async () => [...errors],
  };
}

export const FIREFOX = process.env.SIMDNET_FIREFOX ?? '/usr/bin/firefox-esr';

async function launchFirefox(): Promise<TestBrowser> {
  if (!existsSync(FIREFOX)) {
    throw new Error(`Firefox is not at ${FIREFOX}: install Debian's package (apt-get install -y firefox-esr) or set SIMDNET_FIREFOX`);
  }
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, protocol: 'webDriverBiDi' });
  // puppeteer ends Firefox on SIGTERM, but a SIGKILLed test process would leave it running.
  const release = killWithThisProcess(browser.process()!.pid!);
  return {
    async newPage(viewport) {
      const page = await browser.newPage();
      if (viewport) await page.setViewport(viewport);
      return new TestPage(cdpStyleDriver(page as unknown as CdpStylePage));
    },
    async close() {
      await browser.close();
      release();
    },
  };
}

export const ENGINES: Record<EngineName, Engine> = {
  chromium: {
    name: 'chromium',
    label: 'Chromium',
    features: { simd: true, relaxedSimd: true },
    sharedMemory: true,
    async launch() {
      const browser = await launchChromium();
      return {
        async newPage(viewport) {
          const page = await browser.newPage(viewport ? { viewport } : {});
          return new TestPage(cdpStyleDriver(page as unknown as CdpStylePage));
        },
        close: () => browser.close(),
      };
    },
  },
  // Relaxed SIMD and shared memory run unflagged in Firefox ESR.
  firefox: { name: 'firefox', label: 'Firefox ESR', features: { simd: true, relaxedSimd: true }, sharedMemory: true, launch: launchFirefox },
  // WebKitGTK runs plain SIMD; relaxed SIMD only behind JavaScriptCore's option, which the browser
  // inherits from the environment (JSC_useWasmRelaxedSIMD=1 npx vitest run --project webkit tests it too).
  // Debian's WebKitGTK makes an isolated page crossOriginIsolated but gives it no SharedArrayBuffer,
  // so the library runs one thread there and says why.
  webkit: {
    name: 'webkit',
    label: 'WebKitGTK',
    features: { simd: true, relaxedSimd: process.env.JSC_useWasmRelaxedSIMD === '1' },
    sharedMemory: false,
    launch: launchWebKit,
  },
};

/** The engine of this test process: SIMDNET_BROWSER, set by the vitest project (chromium when unset). */
export function currentEngine(): Engine {
  const name = process.env.SIMDNET_BROWSER ?? 'chromium';
  if (!(name in ENGINES)) throw new Error(`SIMDNET_BROWSER=${name}: expected one of ${Object.keys(ENGINES).join(', ')}`);
  return ENGINES[name as EngineName];
}

/** The backends an engine can create, in the order the parity suite runs them. */
export function engineBackends(engine: Engine): BackendChoice[] {
  return ['js', ...(engine.features.simd ? ['wasm-simd' as const] : []), ...(engine.features.relaxedSimd ? ['wasm-relaxed' as const] : [])];
}

export function artifactPath(engine: Engine, name: string): string {
  mkdirSync('test-artifacts', { recursive: true });
  return `test-artifacts/${engine.name}-${name}`;
}
