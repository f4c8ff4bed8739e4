/**
 * The page's wasm thread setting, kept in localStorage: onnxruntime-web
 * starts its thread pool once, with the first session, so a change applies
 * when the page (and its runtime worker) next loads.
 */
export type WasmThreadsSetting = 'auto' | 1 | 2 | 4;

export const WASM_THREAD_CHOICES: readonly WasmThreadsSetting[] = ['auto', 1, 2, 4];
const KEY = 'trajectory-lab.wasm-threads';

export function readWasmThreadsSetting(): WasmThreadsSetting {
  const stored = globalThis.localStorage?.getItem(KEY);
  const value = stored === 'auto' || stored === null ? 'auto' : Number(stored);
  return (WASM_THREAD_CHOICES as readonly (string | number)[]).includes(value) ? (value as WasmThreadsSetting) : 'auto';
}

export function saveWasmThreadsSetting(value: WasmThreadsSetting): void {
  globalThis.localStorage?.setItem(KEY, String(value));
}
