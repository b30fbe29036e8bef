// simdnet's version, written into the bundle by scripts/build.mjs (esbuild's define); running from
// the sources (tests), 'source'.
declare const __SIMDNET_VERSION__: string | undefined;

export const SIMDNET_VERSION: string = typeof __SIMDNET_VERSION__ === 'string' ? __SIMDNET_VERSION__ : 'source';
