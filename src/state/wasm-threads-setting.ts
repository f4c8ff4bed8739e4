/**
 * The page's wasm thread setting, kept in localStorage: onnxruntime-web
 * starts its thread pool once, with the first session, so a change applies
 * when the page (and its runtime worker) next loads.
 */
import { WASM_THREAD_CHOICES, type WasmThreadsSetting } from '../diffusion/wasm-threads';

export { WASM_THREAD_CHOICES, type WasmThreadsSetting };

const KEY = 'trajectory-lab.wasm-threads';

export function readWasmThreadsSetting(): WasmThreadsSetting {
  const stored = globalThis.localStorage?.getItem(KEY);
  const value = stored === 'auto' || stored === null ? 'auto' : Number(stored);
  return (WASM_THREAD_CHOICES as readonly (string | number)[]).includes(value) ? (value as WasmThreadsSetting) : 'auto';
}

export function saveWasmThreadsSetting(value: WasmThreadsSetting): void {
  globalThis.localStorage?.setItem(KEY, String(value));
}
