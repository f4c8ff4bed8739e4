import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// onnxruntime-web's multi-threaded wasm needs SharedArrayBuffer, which needs
// cross-origin isolation (COOP + COEP) on both the dev server and preview.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022' },
});
