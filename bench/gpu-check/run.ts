/**
 * `npm run gpu:check [-- --small] [-- --standin DIR] [-- --no-browser]`: the
 * lab's real-scale numbers on a machine with a GPU, in Node on Dawn over the
 * GPU's own Vulkan driver (TRAJ_VULKAN=system, or VK_ICD_FILENAMES), one
 * JSON line per measure:
 *   adapter      the device and its fp32 peak (fp32-peaks.ts)
 *   matmul       our products at SD 1.5's shapes (bench/linalg's cases): GFLOP/s, share of fp32 peak (goal ≥ 0.5)
 *   sae-train    our training step at d_in 6400, m 16384 and 32768, k 32, batch 4096: tokens/s, step/encoder, peak GPU bytes
 *   model-load, unet-call, capture, steer-rerun   the SD 1.5 stand-in on ORT's WebGPU provider
 *   peers        bench:linalg --full and bench:sae --full in Chromium: ratios against onnxruntime-web and TF.js
 *   projection   the paper's study on this GPU from the parts measured above
 * `--small` runs reduced shapes on whatever adapter there is (lavapipe in CI)
 * and the toy model on ORT's wasm provider, skipping the browser peers, so the
 * command keeps working in about a minute (gpu-check.test.ts runs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nodeDriver, nodeGpu } from '../../src/gpu/node-gpu';
import { benchCases, EMULATED_FLOP_BUDGET, flops } from '../linalg/cases';
import { ourContestants } from '../linalg/ours';
import { FULL_SAE_CASE, scaledSaeCase, type SaeCase } from '../sae/cases';
import { gaussianArray, seededRandom } from '../../src/gpu/random';
import { wallTimes } from '../shared/measure';
import { fp32Peak } from './fp32-peaks';
import { measureModel } from './model-measure';
import { measureSaeTraining } from './sae-measure';
import { projectStudy } from './projection';

const args = process.argv.slice(2).filter((a) => a !== '--');
const small = args.includes('--small');
const noBrowser = small || args.includes('--no-browser');
const standinArg = args.indexOf('--standin') >= 0 ? args[args.indexOf('--standin') + 1] : null;
const root = join(import.meta.dirname, '..', '..');
const report = (line: object) => console.log(JSON.stringify(line));
const timing = small ? { warmup: 1, runs: 3 } : { warmup: 2, runs: 7 };

const ctx = await nodeGpu();
const peak = fp32Peak(ctx.summary.description);
report({ measure: 'adapter', ...ctx.summary, driver: nodeDriver?.driver, fp32_peak_tflops: peak?.tflops ?? null, peak_source: peak?.source ?? 'not in the table (bench/gpu-check/fp32-peaks.ts)', small });

// Our products, one at a time (the peers' ratios come from the browser benches below).
let gramGflops = 0;
for (const [index, c] of benchCases(!small).entries()) {
  const random = seededRandom(1000 + index);
  const a = ctx.upload(gaussianArray(c.m * c.k, random), `gpu-check.${c.name}.A`);
  const b = c.gram ? a : ctx.upload(gaussianArray(c.k * c.n, random), `gpu-check.${c.name}.B`);
  const ours = ourContestants(ctx, c, a, b);
  const times = await wallTimes(ctx.device, ours.map((o) => o.product), timing);
  for (const [i, { ours: which }] of ours.entries()) {
    const gflops = flops(c) / times[i].medianMs / 1e6;
    if (which === 'CovarianceAccumulator.add') gramGflops = gflops;
    report({ measure: 'matmul', case: c.name, ours: which, m: c.m, n: c.n, k: c.k, ms: times[i].medianMs, gflops, share_of_fp32_peak: peak ? gflops / (peak.tflops * 1e3) : null, goal: 0.5 });
  }
  ours.forEach((o) => o.product.dispose());
  a.destroy();
  if (b !== a) b.destroy();
}

// SAE training at m = 16384 and 32768.
const saeCases: SaeCase[] = [FULL_SAE_CASE, { ...FULL_SAE_CASE, name: 'sd15-m32768', latents: 32768 }].map((c) => (small ? scaledSaeCase(c, EMULATED_FLOP_BUDGET) : c));
const saeResults = [];
for (const c of saeCases) {
  const result = await measureSaeTraining(ctx, c, timing);
  saeResults.push(result);
  report({ measure: 'sae-train', case: c.name, batch: c.batch, d_in: c.dIn, latents: c.latents, k: c.k, ...result });
}

// The stand-in in fp16 on ORT's WebGPU provider: given, else exported (needs /usr/bin/python3 with torch).
// At --small the toy on wasm, 5 calls (the capture records 5): the lines and their arithmetic, not a GPU's numbers.
const model = small
  ? await measureModel(join(root, 'public', 'models', 'toy'), { provider: 'wasm', steps: 5, runs: 1, warmup: 1 }, report)
  : await measureModel(standinFolder(), { provider: 'webgpu', steps: 25, runs: 3, warmup: 1 }, report);

if (noBrowser) {
  report({ measure: 'peers', skipped: small ? '--small' : '--no-browser', missing: 'ratios against onnxruntime-web and TF.js (npm run bench:linalg -- --full; npm run bench:sae -- --full, in Chromium with the GPU)' });
} else {
  for (const script of ['bench:linalg', 'bench:sae']) {
    // The peers run in Chromium on this machine's GPU, not the SwiftShader the tests pin (e2e/chromium.ts).
    const run = spawnSync('npm', ['run', '--silent', script, '--', '--full'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TRAJ_CHROMIUM_GPU: '1' } });
    for (const text of run.stdout.split('\n').filter((l) => l.startsWith('{'))) report({ measure: 'peers', bench: script, ...JSON.parse(text) });
    if (run.status !== 0) report({ measure: 'peers', bench: script, failed: `exit ${run.status}`, missing: `${script}'s ratios` });
  }
}

report({ measure: 'projection', basis: small ? 'reduced shapes and the toy model: a check that the line is computed, not a projection of SD 1.5' : 'this GPU', ...projectStudy({ msPerCall: model.msPerCall, captureRatio: model.captureRatio, gramGflops, saeTokensPerSecond: saeResults[0].tokens_per_s }) });
process.exit(0);

function standinFolder(): string {
  const out = standinArg ?? join(root, 'models', 'sd15-arch', 'full');
  const manifestFolder = () => [out, join(out, 'nmkd')].find((f) => existsSync(join(f, 'manifest.json')));
  if (!manifestFolder()) {
    process.stderr.write(`gpu:check: exporting the full SD 1.5 stand-in to ${out} (npm run model:sd15-standin)\n`);
    const run = spawnSync('npm', ['run', '--silent', 'model:sd15-standin', '--', '--size', 'full', '--out', out, '--layouts', 'nmkd'], { cwd: root, stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`gpu:check: exporting the stand-in failed (exit ${run.status}); pass --standin DIR with an exported stand-in`);
  }
  return manifestFolder()!;
}
