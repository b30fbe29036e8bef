// Renders Vega-Lite specs to SVG strings in Node with Vega's headless view (no canvas needed).
// vega and vega-lite are optional peer packages, loaded on first use: a run without --out never
// needs them, and a run with --out without them says which package to install.
import type { VegaLiteSpec } from './specs';
import { optionalPackage } from '../errors';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');
let libs: Promise<[Vega, VegaLite]> | undefined;

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vl] = await (libs ??= Promise.all([
    optionalPackage('vega', 'Rendering the charts (simdnet train --out)', () => import('vega')),
    optionalPackage('vega-lite', 'Rendering the charts (simdnet train --out)', () => import('vega-lite')),
  ]));
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
