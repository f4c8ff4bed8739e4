import { defineConfig } from 'vitest/config';

/**
 * `npm run test:scale`: the on-demand tests at real scale, slow on an
 * emulated GPU, so out of `npm run test:unit`:
 *   bench/scale/sd15-memory.scale.test.ts  a 3.3 GB SD 1.5-shaped file in Node: fit and SAE training
 *                                          under a resident-memory bound (TRAJ_SCALE_* sizes)
 *   bench/scale/opfs-memory.scale.test.ts  the runtime worker's readers in headless Chromium on an OPFS
 *                                          file larger than the page's heap (TRAJ_OPFS_* sizes)
 *   src/**\/*.scale.test.ts                 the full-size SD 1.5 stand-in's load and memory
 * One file: `npm run test:scale -- bench/scale/opfs-memory.scale.test.ts`.
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
