/**
 * The sweep on the toy model (Node: onnxruntime-web wasm, our kernels on
 * Dawn) with a random SAE: each image equals the same steered run made on
 * its own by a fresh session, byte for byte; each re-runs only the calls
 * from its window's start; strength 0 is the unsteered image. And the two
 * units are one rescale of each other.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SamplerSettings } from '../diffusion/denoise';
import { loadDiffusionModel, type DiffusionModel } from '../diffusion/diffusion-model';
import { configureWasm } from '../diffusion/ort-runtime';
import { openModelSource } from '../diffusion/sources/node';
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { resolveSaeConfig } from '../sae/sae-config';
import type { SaeFileConfig } from '../sae/sae-file';
import { SteeringSession, type SteerSource } from './steer-image';
import { steerSweep, sweepMix, sweepStrengths, sweepWindows } from './steer-sweep';

describe('sweep settings', () => {
  it('splits the run into early, middle and late thirds, strengths evenly from −max to +max, latents in proportion', () => {
    expect(sweepWindows(25).map((w) => w.calls)).toEqual([[0, 8], [8, 17], [17, 25]]);
    expect(sweepWindows(3).map((w) => w.calls)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(() => sweepWindows(2)).toThrow(/3 windows; the run has 2 UNet calls/);
    expect(sweepStrengths(7, 3)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(sweepStrengths(4, 1.5)).toEqual([-1.5, -0.5, 0.5, 1.5]);
    expect(() => sweepStrengths(1, 1)).toThrow(/at least 2/);
    expect(sweepMix([{ latent: 4, alpha: 2 }, { latent: 9, alpha: -1 }], 3)).toEqual([{ latent: 4, alpha: 3 }, { latent: 9, alpha: -1.5 }]);
    expect(() => sweepMix([{ latent: 4, alpha: 0 }], 3)).toThrow(/non-zero α/);
  });
});

const HOOK = 'up_blocks.1.attentions.1';
const sampler: SamplerSettings = { scheduler: 'ddim', steps: 6, guidance: 5 };
const RECORDED = [0, 3, 5];
let model: DiffusionModel;
let source: SteerSource;

beforeAll(async () => {
  configureWasm(1);
  model = await loadDiffusionModel(await openModelSource(join(__dirname, '..', '..', 'public', 'models', 'toy')), { provider: 'wasm', hook: HOOK, gpu: testGpu });
  const [S, d, m] = [RECORDED.length, model.hook!.channels, 6];
  const random = seededRandom(3);
  const A = new Float32Array((S - 1) * d * d);
  for (let s = 0; s < S - 1; s++) for (let i = 0; i < d; i++) A[(s * d + i) * d + i] = 0.9;
  const dynamics: DynamicsModel = { variant: 'diagonal', lambda: 0, S, d, A, b: new Float32Array((S - 1) * d), scales: new Float32Array(S).fill(1), r2: new Float32Array(S - 1) };
  const config = resolveSaeConfig({ dIn: S * d, latents: m, activation: 'topk', k: 2, batchSize: 16 });
  const weights = { W_enc: Float32Array.from({ length: S * d * m }, () => random() - 0.5), b_enc: new Float32Array(m), W_dec: Float32Array.from({ length: m * S * d }, () => random() - 0.5), b_dec: new Float32Array(S * d) };
  const cfg = { hook_name: HOOK, step_indices: RECORDED } as SaeFileConfig;
  source = { dynamics, sae: { config, weights }, cfg, meanActivations: new Float64Array(m).fill(0.5), activationNorms: async () => [6, 4, 3] };
}, 300_000);

describe('a sweep on the toy model', () => {
  const prompt = 'a large blue circle in the centre on a black background';
  const latents = [{ latent: 1, alpha: 1 }, { latent: 4, alpha: -0.5 }];

  it('gives, image by image, what the same steered run gives on its own, re-running only the calls from its window start', async () => {
    const sweep = await steerSweep(new SteeringSession(model, source), prompt, 3, sampler, { latents, unit: 'norm', count: 3, max: 2 });
    expect(sweep.cells.map((c) => [c.window, c.strength])).toEqual(['early', 'middle', 'late'].flatMap((w) => [[w, -2], [w, 0], [w, 2]]));
    const alone = new SteeringSession(model, source);
    const unsteered = await alone.unsteered(prompt, 3, sampler);
    for (const cell of sweep.cells) {
      if (cell.strength === 0) {
        expect(cell.callsRun).toBe(0);
        expect(Buffer.from(cell.image.data).equals(Buffer.from(unsteered.image.data))).toBe(true);
        continue;
      }
      const { steered } = await alone.steer(prompt, 3, sampler, { latents: cell.latents, unit: 'norm', window: cell.calls });
      expect(cell.callsRun).toBe(sampler.steps - cell.calls[0]);
      expect(Buffer.from(cell.image.data).equals(Buffer.from(steered.image.data)), `${cell.window} ${cell.strength}`).toBe(true);
      expect(cell.pixelChange).toBeGreaterThan(0);
    }
    // Early, middle, late re-run 6, 4 and 2 of the 6 calls: 12 of 18 per strength, 24 of the 36 of six full runs.
    expect(sweep.cells.reduce((sum, c) => sum + c.callsRun, 0)).toBe(24);
  }, 600_000);

  it('norm and m_k units are one rescale: α in norm units gives the image of α·c_k/m_k in m_k units', async () => {
    const session = new SteeringSession(model, source);
    const norm = await session.steer(prompt, 3, sampler, { latents: [{ latent: 2, alpha: 1.5 }], unit: 'norm' });
    expect(norm.activationNorms).toEqual([6, 4, 3]);
    const mk = await session.steer(prompt, 3, sampler, { latents: [{ latent: 2, alpha: (1.5 * norm.scales[0]) / 0.5 }], unit: 'mk' });
    expect(mk.scales).toEqual([0.5]);
    const a = norm.steered.image.data;
    const b = mk.steered.image.data;
    expect(Math.max(...a.map((x, i) => Math.abs(x - b[i])))).toBeLessThanOrEqual(1);
  }, 300_000);
});
