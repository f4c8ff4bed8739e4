import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { hostingPlugin } from './hosting/hosting-plugin';
import { CROSS_ORIGIN_ISOLATION, HOSTING_HEADERS } from './hosting/security-headers';

export default defineConfig({
  // Relative URLs throughout the build, so it runs from any folder of any static host (GitHub Pages serves /<repo>/).
  base: './',
  plugins: [react(), hostingPlugin()],
  // onnxruntime-web's multi-threaded wasm needs cross-origin isolation. The dev server cannot carry the
  // Content-Security-Policy (its inline refresh preamble); preview serves the build as a host should.
  server: { headers: { ...CROSS_ORIGIN_ISOLATION } },
  preview: { headers: { ...HOSTING_HEADERS } },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  build: { target: 'es2022' },
});
