// WebKitGTK for the browser tests: Debian's WebKitWebDriver (apt-get install -y webkit2gtk-driver)
// runs WebKitGTK's MiniBrowser on an Xvfb display of its own (apt-get install -y xvfb), spoken to in
// classic W3C WebDriver over HTTP by the small client below (no BiDi in WebKitGTK's driver yet).
// Classic WebDriver has no console events: the page's errors are collected by listeners installed
// right after each navigation, so an error thrown while the page first loads shows up only through
// its effect (a demo that never becomes ready fails its test).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { TestPage, sleep, type PageDriver, type TestBrowser } from './page';
import { killWithThisProcess } from './watchdog';

export const WEBKIT_DRIVER = process.env.SIMDNET_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
const XVFB = '/usr/bin/Xvfb';

/** MiniBrowser lives in WebKitGTK's library folder, whose name has the architecture and API version. */
function miniBrowser(): string | undefined {
  if (process.env.SIMDNET_WEBKIT_BROWSER) return process.env.SIMDNET_WEBKIT_BROWSER;
  for (const arch of existsSync('/usr/lib') ? readdirSync('/usr/lib') : []) {
    for (const api of ['webkit2gtk-4.1', 'webkit2gtk-4.0', 'webkitgtk-6.0']) {
      const path = `/usr/lib/${arch}/${api}/MiniBrowser`;
      if (existsSync(path)) return path;
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts Xvfb on the first free display (it writes the number it took to fd 3). */
function startXvfb(): Promise<{ display: string; stop(): void }> {
  const xvfb = spawn(XVFB, ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x1024x24'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const stop = killWithThisProcess(xvfb.pid!);
  return new Promise((resolve, reject) => {
    let out = '';
    xvfb.once('error', reject);
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it took a display`)));
    xvfb.stdio[3]!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ display: `:${out.trim()}`, stop });
    });
  });
}

class WebDriverError extends Error {}

/** One classic WebDriver session: POST/GET/DELETE on /session/{id}/…, values in and out as JSON. */
class WebDriverSession {
  constructor(private readonly base: string, readonly id: string) {}

  static async create(base: string, capabilities: object): Promise<WebDriverSession> {
    const value = await command(base, 'POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    return new WebDriverSession(base, (value as { sessionId: string }).sessionId);
  }

  send(method: 'GET' | 'POST' | 'DELETE', path: string, body?: object): Promise<unknown> {
    return command(this.base, method, `/session/${this.id}${path}`, body);
  }
}

async function command(base: string, method: string, path: string, body?: object): Promise<unknown> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
  });
  const json = (await res.json()) as { value: unknown };
  if (!res.ok) {
    const v = json.value as { error?: string; message?: string };
    throw new WebDriverError(`WebDriver ${method} ${path}: ${v?.error ?? res.status}: ${v?.message ?? ''}`);
  }
  return json.value;
}

// Installed after each navigation: the page's uncaught errors and console.error calls, kept in the page.
const HOOK_ERRORS = `
  if (!window.__simdnetErrors) {
    const errors = (window.__simdnetErrors = []);
    addEventListener('error', (e) => errors.push('page error: ' + e.message));
    addEventListener('unhandledrejection', (e) => errors.push('page error: ' + (e.reason && e.reason.message || e.reason)));
    const consoleError = console.error;
    console.error = (...args) => { errors.push('console.error: ' + args.join(' ')); consoleError.apply(console, args); };
  }`;

function webDriverPage(session: WebDriverSession): PageDriver {
  let pointer = { x: 0, y: 0 };
  const pointerActions = (actions: object[]) =>
    session.send('POST', '/actions', { actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions }] });
  const evaluate = async <R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> => {
    const script = `const [arg, done] = arguments;
      Promise.resolve().then(() => (${fn.toString()})(arg))
        .then((value) => done({ value }), (e) => done({ error: e instanceof Error ? e.name + ': ' + e.message + '\\n' + e.stack : String(e) }));`;
    const r = (await session.send('POST', '/execute/async', { script, args: [arg ?? null] })) as { value?: R; error?: string };
    if (r.error !== undefined) throw new Error(`in the page: ${r.error}`);
    return r.value as R;
  };
  return {
    async goto(url) {
      await session.send('POST', '/url', { url });
      await session.send('POST', '/execute/sync', { script: HOOK_ERRORS, args: [] });
      // WebKitWebDriver returns once the document is interactive, before module scripts have run:
      // wait for the load event, as playwright's and puppeteer's goto do.
      for (const end = Date.now() + 60_000; (await evaluate(() => document.readyState, undefined)) !== 'complete'; await sleep(25)) {
        if (Date.now() > end) throw new Error(`${url} did not finish loading within 60 s`);
      }
    },
    evaluate,
    async mouseMove(x, y, steps) {
      // One action per step, a frame apart, as a hand moves (the demo classifies once per frame).
      const from = pointer;
      const actions = Array.from({ length: steps }, (_, i) => {
        const t = (i + 1) / steps;
        return { type: 'pointerMove', origin: 'viewport', duration: steps > 1 ? 16 : 0, x: Math.round(from.x + (x - from.x) * t), y: Math.round(from.y + (y - from.y) * t) };
      });
      await pointerActions(actions);
      pointer = { x, y };
    },
    mouseDown: async () => void (await pointerActions([{ type: 'pointerDown', button: 0 }])),
    mouseUp: async () => void (await pointerActions([{ type: 'pointerUp', button: 0 }])),
    async type(text) {
      const actions = [...text].flatMap((c) => [{ type: 'keyDown', value: c }, { type: 'keyUp', value: c }]);
      await session.send('POST', '/actions', { actions: [{ type: 'key', id: 'keyboard', actions }] });
    },
    async screenshot(path) {
      writeFileSync(path, Buffer.from((await session.send('GET', '/screenshot')) as string, 'base64'));
    },
    errors: () => evaluate(() => ((window as unknown as { __simdnetErrors?: string[] }).__simdnetErrors ?? []).slice(), undefined),
  };
}

export async function launchWebKit(): Promise<TestBrowser> {
  const browserPath = miniBrowser();
  for (const [path, pkg] of [[WEBKIT_DRIVER, 'webkit2gtk-driver'], [XVFB, 'xvfb'], [browserPath, 'webkit2gtk-driver']] as const) {
    if (!path || !existsSync(path)) {
      throw new Error(`WebKitGTK's ${path ?? 'MiniBrowser'} is missing: install Debian's packages (apt-get install -y webkit2gtk-driver xvfb) or set SIMDNET_WEBKIT_DRIVER / SIMDNET_WEBKIT_BROWSER (${pkg})`);
    }
  }
  const xvfb = await startXvfb();
  const port = await freePort();
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`], { env: { ...process.env, DISPLAY: xvfb.display }, stdio: 'ignore' });
  const stopDriver = killWithThisProcess(driver.pid!);
  // Without its display the browser ends too, even one whose driver is gone.
  const killAll = () => {
    stopDriver();
    xvfb.stop();
  };
  const base = `http://127.0.0.1:${port}`;
  const sessions: WebDriverSession[] = [];
  try {
    for (let i = 0; ; i++) {
      try {
        await command(base, 'GET', '/status');
        break;
      } catch (e) {
        if (i >= 100) throw new Error(`WebKitWebDriver did not answer on ${base} within 10 s: ${String(e)}`);
        await sleep(100);
      }
    }
  } catch (e) {
    killAll();
    throw e;
  }
  return {
    async newPage(viewport) {
      // Each page is a session (a MiniBrowser window of its own).
      const session = await WebDriverSession.create(base, { 'webkitgtk:browserOptions': { binary: browserPath, args: ['--automation'] } });
      sessions.push(session);
      await session.send('POST', '/timeouts', { script: 600_000 });
      if (viewport) await session.send('POST', '/window/rect', viewport);
      return new TestPage(webDriverPage(session));
    },
    async close() {
      for (const s of sessions) await s.send('DELETE', '').catch(() => undefined);
      killAll();
    },
  };
}
