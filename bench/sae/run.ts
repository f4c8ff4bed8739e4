/**
 * `npm run bench:sae [-- --full] [-- --profile]`: our SAE training step
 * against TF.js's (WebGPU) and against our encoder product alone, in headless
 * Chromium (bench/shared/run-page.ts); JSON lines on stdout.
 */
import { runBenchPage } from '../shared/run-page';

runBenchPage(
  {
    script: 'bench:sae',
    page: 'bench/sae/index.html',
    entry: 'runSaeBench',
    flags: { profile: "also print our step's GPU time kernel by kernel" },
  },
  process.argv.slice(2),
);
