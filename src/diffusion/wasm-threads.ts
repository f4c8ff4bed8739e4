/**
 * onnxruntime-web's wasm thread pool: how many threads a setting gives here.
 * Threads need SharedArrayBuffer, which needs cross-origin isolation
 * (vite.config.ts sends COOP/COEP). "auto" is ORT's own default, half the
 * logical cores and at most 4 (onnxruntime-web lib/backend-wasm.ts): its
 * pool busy-waits, and on 2 cores 2 threads made a toy image slower than 1
 * (measured in Chromium).
 */
export type WasmThreadsSetting = 'auto' | 1 | 2 | 4;

export const WASM_THREAD_CHOICES: readonly WasmThreadsSetting[] = ['auto', 1, 2, 4];

/** The pool's size for `setting` on this machine, and why. */
export function wasmThreadCount(setting: WasmThreadsSetting, here: { crossOriginIsolated: boolean; cores: number }): { threads: number; reason: string } {
  if (!here.crossOriginIsolated) return { threads: 1, reason: 'not cross-origin isolated (no COOP/COEP headers), so no SharedArrayBuffer' };
  const { cores } = here;
  if (setting !== 'auto') return { threads: setting, reason: `set on this page; cross-origin isolated, ${cores} logical cores` };
  return { threads: Math.min(4, Math.ceil(cores / 2)), reason: `auto: half of ${cores} logical cores, at most 4; cross-origin isolated` };
}
