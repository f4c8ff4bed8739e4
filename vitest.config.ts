import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'models/**/*.test.ts', 'bench/**/*.test.ts'],
    // The real-scale tests run on demand: npm run test:scale (vitest.scale.config.ts).
    exclude: ['**/node_modules/**', '**/*.scale.test.ts'],
    setupFiles: ['src/gpu/node-env.ts'],
    // Emulated WebGPU is slow; kernels share two CPU cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
