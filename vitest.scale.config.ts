import { defineConfig } from 'vitest/config';

/**
 * `npm run test:scale`: the on-demand tests at real scale (gigabyte files,
 * SD 1.5-sized SAEs); slow on an emulated GPU, so out of `npm run test:unit`.
 */
export default defineConfig({
  test: {
    environment: 'node',
    include: ['src/**/*.scale.test.ts', 'bench/**/*.scale.test.ts'],
    setupFiles: ['src/gpu/node-env.ts'],
    testTimeout: 6 * 3600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
