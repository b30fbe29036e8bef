// Renders Vega-Lite specs to SVG strings in Node with Vega's headless view (no canvas needed).
// vega and vega-lite are loaded on first use, so a run without --out never pays for them.
import type { VegaLiteSpec } from './specs';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');
let libs: Promise<[Vega, VegaLite]> | undefined;

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vl] = await (libs ??= Promise.all([import('vega'), import('vega-lite')]));
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
