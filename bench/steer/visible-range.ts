/**
 * The steering slider's visible range, measured on the toy model: for the
 * most frequent latent and the latent that best tracks "red" (AUROC of its
 * per-image maximum), the mean absolute pixel change (RGB, 0–255) and the
 * attribute probe's reading against α, in both units, over the whole run,
 * on a few prompts; and what a sweep costs against as many full
 * regenerations. Reads a folder per hook made by bench/steer/make-projects.sh
 * (collect → fit → train → eval --stats on the attribute grid).
 *
 *   npx vite-node bench/steer/visible-range.ts -- DIR [HOOK…]
 *
 * Prints one JSON object per hook (and writes DIR/visible-range.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activationNorms } from '../../src/analysis/activation-norms';
import { aurocPerLatent } from '../../src/analysis/attribute-auroc';
import { imageActivationSummaries } from '../../src/analysis/image-activation-summaries';
import { pixelChange } from '../../src/analysis/pixel-change';
import { TrajectoryReader } from '../../src/data/trajectory-file';
import { readAttributes } from '../../src/diffusion/attribute-probe';
import { generate } from '../../src/diffusion/denoise';
import { configureWasm, ModelSession } from '../../src/diffusion/ort-runtime';
import { STRENGTH_RANGES, type StrengthUnit } from '../../src/diffusion/steering-units';
import { readDynamicsFile } from '../../src/dynamics/dynamics-file';
import { SteeringSession } from '../../src/flows/steer-image';
import { steerSweep } from '../../src/flows/steer-sweep';
import { readLatentStatistics } from '../../src/sae/latent-statistics-file';
import { readSaeFile } from '../../src/sae/sae-file';
import { fromSaeFile } from '../../src/sae/sae-interchange';
import { commandModel, commandModelFiles } from '../../src/cli/model';
import { openFile } from '../../src/cli/files';

const MODEL = 'public/models/toy';
const PROMPTS = [
  { prompt: 'a large blue circle in the centre on a black background', seed: 0 },
  { prompt: 'a small green square at the top left on a white background', seed: 1 },
  { prompt: 'a large yellow triangle at the bottom on a gray background', seed: 2 },
];
const ALPHAS: Record<StrengthUnit, number[]> = { norm: [1, 2, 4, 6, 8, 12, 16], mk: [4, 16, 48] };
/** Mean |Δ| (0–255) from which a change counts as visible. */
const VISIBLE = 5;
const SAMPLER = { scheduler: 'ddim' as const, steps: 25, guidance: 5 };

const [dir, ...hookArgs] = process.argv.slice(2).filter((a) => a !== '--');
const hooks = hookArgs.length ? hookArgs : ['up_blocks.1.attentions.1', 'up_blocks.2.attentions.1'];
const grid = readFileSync(join(dir, 'grid.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
const results: unknown[] = [];
for (const hook of hooks) {
  const at = (name: string) => openFile(join(dir, hook, name), name);
  const file = await readSaeFile(await at('sae.safetensors'));
  const dynamics = await readDynamicsFile(await at('dyn.safetensors'));
  const stats = (await readLatentStatistics(await at('stats.safetensors'))).statistics;
  const reader = await TrajectoryReader.open(await at('traj.safetensors'));
  const norms = await activationNorms(reader);
  const model = await commandModel('bench', MODEL, hook);
  const files = await commandModelFiles('bench', MODEL);
  configureWasm(1);
  const probe = await ModelSession.create('probe', await files.read(model.manifest.probe!.file), { provider: 'wasm' });
  const sae = fromSaeFile(file, 1024);
  const m = sae.config.latents;
  const frequent = Array.from(stats.firingRate).reduce((best, r, k, all) => (r > all[best] ? k : best), 0);
  const summaries = await imageActivationSummaries(model.gpu, reader, dynamics, sae);
  const red = aurocPerLatent(summaries.max, reader.N, m, grid.map((g) => g.color === 'red'));
  const redLatent = red.reduce((best, a, k, all) => (a > all[best] ? k : best), 0);
  const session = new SteeringSession(model, { dynamics, sae, cfg: file.cfg, meanActivations: stats.meanActivation, activationNorms: async () => norms.meanNorm });

  const curves: Record<string, unknown> = {};
  for (const [name, latent] of [['most frequent', frequent], ['red', redLatent]] as const) {
    for (const unit of ['norm', 'mk'] as const) {
      const points = [];
      for (const alpha of ALPHAS[unit]) {
        let change = 0;
        let flips = 0;
        let red = 0;
        for (const { prompt, seed } of PROMPTS) {
          const r = await session.steer(prompt, seed, SAMPLER, { latents: [{ latent, alpha }], unit });
          const { width, height, data } = r.unsteered.image;
          change += pixelChange(data, r.steered.image.data, width, height, null, 1, 1).all / PROMPTS.length;
          const [before, after] = [await readAttributes(probe, model.manifest, r.unsteered.image), await readAttributes(probe, model.manifest, r.steered.image)];
          if (Object.keys(before).some((a) => before[a].value !== after[a].value)) flips++;
          if (after.color.value === 'red') red++;
        }
        console.error(`${hook} ${name} ${unit} α ${alpha}: mean |Δ| ${change.toFixed(2)}, ${flips} probe flips, ${red} read red`);
        points.push({ alpha, mean_abs_pixel_change: Number(change.toFixed(2)), prompts_with_a_probe_flip: flips, read_red: red });
      }
      const visible = points.find((p) => p.mean_abs_pixel_change >= VISIBLE || p.prompts_with_a_probe_flip > 0);
      curves[`${name} (latent ${latent}) ${unit}`] = { points, visible_from: visible?.alpha ?? null };
    }
  }

  // A sweep of 7 strengths × 3 windows against 21 full regenerations (text encoder, every UNet call, VAE).
  const fullStart = performance.now();
  for (let i = 0; i < 3; i++) await generate(model, { ...SAMPLER, prompt: PROMPTS[0].prompt, seed: 100 + i });
  const fullSeconds = (performance.now() - fullStart) / 3;
  await session.unsteered(PROMPTS[1].prompt, PROMPTS[1].seed, SAMPLER);
  const sweepStart = performance.now();
  const sweep = await steerSweep(session, PROMPTS[1].prompt, PROMPTS[1].seed, SAMPLER, { latents: [{ latent: redLatent, alpha: 1 }], unit: 'norm', count: 7, max: STRENGTH_RANGES.norm.max });
  const sweepSeconds = (performance.now() - sweepStart) / 1000;
  const callsRun = sweep.cells.reduce((s, c) => s + c.callsRun, 0);
  const result = {
    hook,
    activation_norms: norms.meanNorm.map((v) => Number(v.toPrecision(4))),
    latents: { most_frequent: { latent: frequent, firing_rate: stats.firingRate[frequent], m_k: stats.meanActivation[frequent] }, red: { latent: redLatent, auroc: red[redLatent], m_k: stats.meanActivation[redLatent] } },
    curves,
    sweep: { images: sweep.cells.length, seconds: sweepSeconds, full_regeneration_seconds: fullSeconds / 1000, ratio: sweepSeconds / ((21 * fullSeconds) / 1000), calls_rerun: callsRun, calls_full: 21 * sweep.calls },
  };
  console.log(JSON.stringify(result));
  results.push(result);
  await model.release();
}
writeFileSync(join(dir, 'visible-range.json'), JSON.stringify(results, null, 1));
