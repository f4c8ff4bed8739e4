/**
 * The headers every static host should send with the built lab, in one
 * place: vite.config.ts sends them from `vite preview`, and hosting-plugin.ts
 * writes them into the build (a <meta> Content-Security-Policy in index.html
 * and a `_headers` file).
 */

/**
 * onnxruntime-web's multi-threaded wasm needs SharedArrayBuffer, which needs
 * cross-origin isolation: COOP keeps other origins' windows out of this
 * browsing context group, COEP keeps out subresources that did not opt in.
 */
export const CROSS_ORIGIN_ISOLATION: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The built lab's Content-Security-Policy, directive by directive. Nothing
 * runs from a string: no 'unsafe-eval', no 'unsafe-inline'.
 */
const CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  // 'wasm-unsafe-eval' lets onnxruntime-web compile its WebAssembly; it does not allow eval() or new Function().
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  // The runtime and prompt workers, onnxruntime-web's thread pool and the isolation service worker are files of this origin.
  'worker-src': ["'self'"],
  // Model files come from wherever the model's manifest says (Hugging Face redirects each file to a CDN host
  // that changes over time); the user picks the model, so any https origin may be read. Nothing is sent but GETs.
  'connect-src': ["'self'", 'https:'],
  // Canvases are exported and previewed through data: and blob: URLs.
  'img-src': ["'self'", 'data:', 'blob:'],
  'style-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"],
};

/** The policy as one header value. */
export const CONTENT_SECURITY_POLICY: string = Object.entries(CSP_DIRECTIVES)
  .map(([name, sources]) => `${name} ${sources.join(' ')}`)
  .join('; ');

/** Everything a host should send with every file of the build. */
export const HOSTING_HEADERS: Readonly<Record<string, string>> = {
  ...CROSS_ORIGIN_ISOLATION,
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
};
