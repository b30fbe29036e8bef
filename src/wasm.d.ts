/** .wasm files are imported as their bytes (esbuild's binary loader; a Vite plugin in tests). */
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

/** Model files are imported as their bytes, like .wasm. */
declare module '*.simdnet' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
