// TestPage: the few things the browser tests do with a page (open, run code in it, wait for a
// condition, click, type, draw with the mouse, screenshot, its errors), built on a PageDriver, the
// handful of calls each engine's driver provides (test/browser/engines.ts, test/browser/webdriver.ts).

export interface TestBrowser {
  newPage(viewport?: { width: number; height: number }): Promise<TestPage>;
  close(): Promise<void>;
}

export interface Box { x: number; y: number; width: number; height: number }

/** What an engine's driver provides; TestPage builds the rest from these. */
export interface PageDriver {
  goto(url: string): Promise<void>;
  /** Runs fn(arg) in the page (fn is sent as source: it sees the page's globals only) and awaits it. */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  mouseMove(x: number, y: number, steps: number): Promise<void>;
  mouseDown(): Promise<void>;
  mouseUp(): Promise<void>;
  /** Types text with the keyboard into the focused element. */
  type(text: string): Promise<void>;
  screenshot(path: string): Promise<void>;
  /** Console errors and uncaught errors in the page so far. */
  errors(): Promise<string[]>;
}

export class TestPage {
  constructor(private readonly driver: PageDriver) {}

  goto(url: string): Promise<void> {
    return this.driver.goto(url);
  }

  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return this.driver.evaluate(fn, arg as A);
  }

  /** Waits until fn(arg) is truthy in the page, polling every 25 ms. */
  async waitFor<A>(fn: (arg: A) => unknown, arg?: A, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await this.driver.evaluate(fn, arg as A))) {
      if (Date.now() > end) throw new Error(`waitFor: not true within ${timeoutMs} ms: ${fn.toString()}`);
      await sleep(25);
    }
  }

  /** The element's box in viewport pixels (what the mouse coordinates are relative to). */
  async box(selector: string): Promise<Box> {
    const box = await this.evaluate((sel) => {
      const el = document.querySelector(sel);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }, selector);
    if (!box) throw new Error(`no element matches ${selector}`);
    return box;
  }

  text(selector: string): Promise<string | null> {
    return this.evaluate((sel) => document.querySelector(sel)?.textContent ?? null, selector);
  }

  /** True when no element matches or the element is not rendered (display: none, hidden, zero size). */
  hidden(selector: string): Promise<boolean> {
    return this.evaluate((sel) => {
      const el = document.querySelector(sel);
      if (!el) return true;
      const r = el.getBoundingClientRect();
      return getComputedStyle(el).visibility === 'hidden' || r.width === 0 || r.height === 0;
    }, selector);
  }

  count(selector: string): Promise<number> {
    return this.evaluate((sel) => document.querySelectorAll(sel).length, selector);
  }

  /** Clicks the middle of the element with the mouse, as a person would (scrolled into view first). */
  async click(selector: string): Promise<void> {
    await this.evaluate((sel) => document.querySelector(sel)?.scrollIntoView({ block: 'nearest' }), selector);
    const b = await this.box(selector);
    await this.driver.mouseMove(b.x + b.width / 2, b.y + b.height / 2, 1);
    await this.driver.mouseDown();
    await this.driver.mouseUp();
  }

  /** Clicks the input, empties it and types the value. */
  async fill(selector: string, value: string): Promise<void> {
    await this.click(selector);
    await this.evaluate((sel) => {
      (document.querySelector(sel) as HTMLInputElement).value = '';
    }, selector);
    await this.driver.type(value);
  }

  /** Draws strokes (points relative to the element's top left) with the mouse button held. */
  async draw(selector: string, strokes: [number, number][][], steps = 8): Promise<void> {
    const b = await this.box(selector);
    for (const stroke of strokes) {
      await this.driver.mouseMove(b.x + stroke[0][0], b.y + stroke[0][1], 1);
      await this.driver.mouseDown();
      for (const [x, y] of stroke.slice(1)) await this.driver.mouseMove(b.x + x, b.y + y, steps);
      await this.driver.mouseUp();
    }
  }

  screenshot(path: string): Promise<void> {
    return this.driver.screenshot(path);
  }

  errors(): Promise<string[]> {
    return this.driver.errors();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

