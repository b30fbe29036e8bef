/** .wasm files are imported as their bytes (esbuild's binary loader; a Vite plugin in tests). */
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
