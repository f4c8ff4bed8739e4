/**
 * `npx vite-node bench/linalg/pipelines.ts -- <fit|train> <cold|prewarm|prewarm-async>`:
 * what pipeline compilation costs a flow's start in Node (Dawn), one JSON line.
 *
 *   cold:    the flow starts on a fresh device and compiles each pipeline
 *            synchronously at its first dispatch (the behaviour before
 *            `prewarm`);
 *   prewarm: the flow is first rehearsed (src/gpu/rehearsal.ts) and its
 *            pipelines compiled with createComputePipelineAsync, all at once,
 *            as a page does when it opens; then the flow starts. In Node
 *            `prewarm` compiles synchronously, one pipeline per macrotask
 *            (PipelineCache.compileAsync is off in node-gpu.ts);
 *            `prewarm-async` forces createComputePipelineAsync.
 *
 * `first_tick_ms` is the time from starting the flow to its first progress
 * report (fit: the first chunk of images accumulated; train: the first step
 * done on the GPU); `dispatch_compile_ms` the time its first dispatches spent
 * compiling inside the flow; `prewarm_ms` the wall time of the rehearsal and the
 * compilation ahead; `prewarm_compile_ms` the sum of those compiles' own
 * durations (more than prewarm_ms where async ones overlap). Run each mode in its own
 * process: a device in the same process could share compiled code.
 */
import { fitDynamics, type TrajectoryImages } from '../../src/dynamics/fit-dynamics';
import type { GpuContext } from '../../src/gpu/context';
import { nodeGpu } from '../../src/gpu/node-gpu';
import { gaussianArray, seededRandom } from '../../src/gpu/random';
import { prewarmFor } from '../../src/gpu/rehearsal';
import { resolveSaeConfig } from '../../src/sae/sae-config';
import { SaeTrainer } from '../../src/sae/train/trainer';

const FLOWS = ['fit', 'train'] as const;
const MODES = ['cold', 'prewarm', 'prewarm-async'] as const;
const args = process.argv.slice(2).filter((a) => a !== '--');
const [flow, mode] = args as [(typeof FLOWS)[number], (typeof MODES)[number]];
if (!FLOWS.includes(flow) || !MODES.includes(mode)) {
  process.stderr.write(`Usage: npx vite-node bench/linalg/pipelines.ts -- <${FLOWS.join('|')}> <${MODES.join('|')}>\n`);
  process.exit(1);
}

// The toy model's default hook (models/toy/manifest.json): S = 5 recorded steps of d = 48 channels on 8 × 8 positions; its SAE dIn = 240.
const [N, S, P, d] = [16, 5, 64, 48];
const SAE = { dIn: S * d, latents: 256, batchSize: 256, k: 8, auxK: 16, activation: 'batchtopk' as const, metricsEvery: 50 };

/** The flow up to its first progress report, on `ctx`; `ctx` may be a rehearsal. */
async function start(ctx: GpuContext, data: Float32Array | null, onTick: () => void): Promise<void> {
  if (flow === 'fit') {
    const source: TrajectoryImages = {
      N,
      S,
      P,
      d,
      readImages: async (n0, n1) => (data ? data.slice(n0 * S * P * d, n1 * S * P * d) : new Float32Array((n1 - n0) * S * P * d)),
    };
    await fitDynamics(ctx, source, { variant: 'full', imagesPerChunk: 4, onProgress: (p) => p.phase === 'read' && p.done === 4 && onTick() });
    return;
  }
  const trainer = SaeTrainer.create(ctx, resolveSaeConfig(SAE));
  const batch = data ? ctx.upload(data.subarray(0, SAE.batchSize * SAE.dIn), 'batch') : ctx.createBuffer(SAE.batchSize * SAE.dIn * 4, 'batch');
  for (let step = 1; step <= 2; step++) {
    await trainer.step(batch);
    await ctx.sync();
    if (step === 1) onTick();
  }
  trainer.destroy();
  batch.destroy();
}

const ctx = await nodeGpu();
const data = gaussianArray(Math.max(N * S * P * d, SAE.batchSize * SAE.dIn), seededRandom(1));
let prewarmMs = 0;
let pipelines = 0;
if (mode !== 'cold') {
  ctx.pipelines.compileAsync = mode === 'prewarm-async';
  const t0 = performance.now();
  const { keys } = await prewarmFor(ctx, (dry) => start(dry, null, () => {}));
  prewarmMs = performance.now() - t0;
  pipelines = keys.length;
}
const before = ctx.pipelines.compiles.length;
const t0 = performance.now();
let firstTick = NaN;
await start(ctx, data, () => (firstTick = performance.now() - t0));
const totalMs = performance.now() - t0;
const during = ctx.pipelines.compiles.slice(before).filter((c) => c.when === 'dispatch');
const ahead = ctx.pipelines.compiles.filter((c) => c.when === 'prewarm');
const round = (x: number) => Number(x.toPrecision(4));
process.stdout.write(
  `${JSON.stringify({
    flow,
    mode,
    first_tick_ms: round(firstTick),
    total_ms: round(totalMs),
    dispatch_compiles: during.length,
    dispatch_compile_ms: round(during.reduce((s, c) => s + c.ms, 0)),
    prewarm_ms: round(prewarmMs),
    prewarmed_pipelines: pipelines,
    prewarm_compile_ms: round(ahead.reduce((s, c) => s + c.ms, 0)),
    slowest_compiles: [...ctx.pipelines.compiles].sort((a, b) => b.ms - a.ms).slice(0, 3).map((c) => `${c.key} ${round(c.ms)} ms (${c.when}, ${c.api})`),
    sizes: flow === 'fit' ? { N, S, P, d } : SAE,
    adapter: ctx.summary.description,
  })}\n`,
);
ctx.destroy();
process.exit(0);
