/**
 * `npm run bench:linalg [-- --full]`: our matmul against onnxruntime-web and
 * TF.js (WebGPU) in headless Chromium (bench/shared/run-page.ts); one JSON
 * line per case and peer on stdout.
 */
import { runBenchPage } from '../shared/run-page';

runBenchPage({ script: 'bench:linalg', page: 'bench/linalg/index.html', entry: 'runLinalgBench' }, process.argv.slice(2));
