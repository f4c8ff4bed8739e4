/**
 * Steer: generate a prompt once unsteered (keeping a checkpoint before every
 * UNet call and the hooked block's trajectory), then re-run it with SAE
 * latents added (α·c_k·v_k[s], c_k the latent's scale in the chosen unit:
 * diffusion/steering-units.ts) or ablated (−f_k(n, p)·v_k[s]) inside a step
 * window and a spatial mask. A re-run starts from the cached unsteered latent
 * at the window's first call, so moving a slider pays only for the steered
 * calls.
 */
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { generate, type GenerateResult, type SamplerSettings } from '../diffusion/denoise';
import type { DiffusionModel } from '../diffusion/diffusion-model';
import type { SteeredLatent, SteeringPlan } from '../diffusion/steering';
import { strengthScale, type StrengthUnit } from '../diffusion/steering-units';
import type { SaeFileConfig } from '../sae/sae-file';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import { runActivationNorms } from '../analysis/activation-norms';
import { imageLatentActivations } from '../analysis/image-latent-activations';
import { saeFeatureTrajectories } from '../analysis/sae-feature-trajectories';

export interface SteerSource {
  dynamics: DynamicsModel;
  sae: { config: SaeConfig; weights: SaeWeights };
  /** The SAE file's cfg: which hook and recorded calls it was trained on. */
  cfg: SaeFileConfig;
  /** m_k of every latent (latent statistics file); when absent, m_k is measured on the unsteered image. */
  meanActivations?: ArrayLike<number>;
  /**
   * n_s, the mean token norm ‖x_s‖ at each recorded step over the collection
   * (analysis/activation-norms.ts), asked for once when a request first uses
   * the norm unit; when absent, measured on each unsteered image.
   */
  activationNorms?: () => Promise<ArrayLike<number>>;
}

export interface SteerRequest {
  latents: { latent: number; alpha: number }[];
  /** What one unit of α is (steering-units.ts); default m_k, the study's unit. */
  unit?: StrengthUnit;
  /** UNet calls start ≤ i < end; default the whole run. */
  window?: readonly [number, number];
  /** Weight per hook position [P]; null or absent = everywhere. */
  mask?: Float32Array | null;
  conditionalOnly?: boolean;
  /** Remove the latents' contribution as measured on the unsteered run, instead of adding them. */
  ablate?: boolean;
  /** After each steered UNet call, with the latent it left (previews). */
  onCall?: (call: number, calls: number, latent: Float32Array) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface SteerResult {
  steered: GenerateResult;
  unsteered: GenerateResult;
  /** m_k of each latent of the request (measured on the unsteered image when the source has none; null there when not needed). */
  meanActivations: (number | null)[];
  /** c_k, each latent's activation-space scale of one unit of α (m_k, or 1/ρ_k in norm units). */
  scales: number[];
  /** n_s used by the norm unit (null in m_k units). */
  activationNorms: number[] | null;
}

interface Baseline {
  key: string;
  result: GenerateResult;
}

export class SteeringSession {
  private baseline: Baseline | null = null;
  private readonly trajectories = new Map<number, Float32Array>();
  private readonly recordedCalls: readonly number[];
  private norms: Promise<number[]> | null = null;

  constructor(
    private readonly model: DiffusionModel,
    private readonly source: SteerSource,
  ) {
    const hook = model.hook;
    const { cfg, dynamics } = source;
    if (!hook) throw new Error('steering needs a hooked UNet: load the model with the SAE\'s hook');
    if (cfg.hook_name && cfg.hook_name !== hook.path) throw new Error(`the SAE was trained on hook "${cfg.hook_name}" but the model is hooked at "${hook.path}"; load the model with --hook ${cfg.hook_name}`);
    if (dynamics.d !== hook.channels) throw new Error(`the dynamics have d = ${dynamics.d} channels; hook "${hook.path}" has ${hook.channels}`);
    if (!cfg.step_indices) throw new Error('the SAE does not record at which UNet calls its steps were taken (cfg.step_indices); train it from a collected trajectory file');
    this.recordedCalls = cfg.step_indices;
  }

  /** The unsteered run of a prompt and seed (cached: a second call with the same arguments costs nothing). */
  async unsteered(prompt: string, seed: number, sampler: SamplerSettings, negativePrompt = '', signal?: AbortSignal): Promise<GenerateResult> {
    const key = JSON.stringify([prompt, negativePrompt, seed, sampler]);
    if (this.baseline?.key !== key) {
      const result = await generate(this.model, { ...sampler, prompt, negativePrompt, seed, recordCalls: this.recordedCalls, keepCheckpoints: true, signal });
      this.baseline = { key, result };
    }
    return this.baseline.result;
  }

  async steer(prompt: string, seed: number, sampler: SamplerSettings, request: SteerRequest, negativePrompt = ''): Promise<SteerResult> {
    const unsteered = await this.unsteered(prompt, seed, sampler, negativePrompt, request.signal);
    const calls = unsteered.timesteps.length;
    const window = request.window ?? [0, calls];
    const unit = request.unit ?? 'mk';
    const ids = request.latents.map((l) => l.latent);
    const C = this.source.dynamics.d;
    const P = this.model.hook!.height * this.model.hook!.width;
    // f_k(n, p) on the unsteered run: the ablation's weights, and m_k in m_k units when no statistics were given.
    const needActivations = request.ablate || (unit === 'mk' && !this.source.meanActivations);
    const f = needActivations ? await imageLatentActivations(this.model.gpu, this.source.dynamics, this.source.sae, unsteered.trajectory!, ids) : null;
    // f is [J, R, P]: R = 1, or S for a per-step SAE (f_k(n, p) at each step).
    const R = f ? f.length / (ids.length * P) : 1;
    const meanActivations = ids.map((k, j) => (this.source.meanActivations || f ? this.meanActivation(k, f?.subarray(j * R * P, (j + 1) * R * P)) : null));
    const norms = unit === 'norm' ? await this.activationNorms(unsteered, P, C) : null;
    await this.mapTrajectories(ids);
    const scales = ids.map((k, j) => (request.ablate ? 1 : strengthScale(unit, k, this.trajectories.get(k)!, C, { norms: norms ?? undefined, meanActivation: meanActivations[j] ?? undefined })));
    const latents: SteeredLatent[] = request.latents.flatMap(({ latent, alpha }, j) => {
      const steered = { latent, trajectory: this.trajectories.get(latent)!, alpha, scale: scales[j] };
      if (!request.ablate) return [steered];
      if (R === 1) return [{ ...steered, ablate: f!.slice(j * P, (j + 1) * P) }];
      // Per step: one term per step s with v_k[s] alone; interpolation's weights sum to one
      // between recorded steps, so the terms add up to f_k(n, p, s)·v_k[s] interpolated.
      return Array.from({ length: R }, (_, s) => {
        const trajectory = new Float32Array(R * C);
        trajectory.set(steered.trajectory.subarray(s * C, (s + 1) * C), s * C);
        return { ...steered, trajectory, ablate: f!.slice((j * R + s) * P, (j * R + s + 1) * P) };
      });
    });
    const plan: SteeringPlan = { latents, recordedCalls: this.recordedCalls, window, mask: request.mask ?? null, conditionalOnly: request.conditionalOnly ?? false };
    const steered = await generate(this.model, {
      ...sampler,
      prompt,
      negativePrompt,
      seed,
      steering: plan,
      from: unsteered.checkpoints[window[0]],
      onCall: request.onCall,
      signal: request.signal,
    });
    return { steered, unsteered, meanActivations, scales, activationNorms: norms };
  }

  /** n_s from the source (asked once), else the unsteered run's own tokens. */
  private async activationNorms(unsteered: GenerateResult, P: number, C: number): Promise<number[]> {
    if (!this.source.activationNorms) return runActivationNorms(unsteered.trajectory!, this.recordedCalls.length, P, C).meanNorm;
    this.norms ??= this.source.activationNorms().then((n) => Array.from(n));
    this.norms.catch(() => (this.norms = null));
    return this.norms;
  }

  /** m_k from the statistics, else the latent's mean non-zero activation on this image. */
  private meanActivation(latent: number, activations: Float32Array | undefined): number {
    const known = this.source.meanActivations?.[latent];
    if (known !== undefined) return known;
    let sum = 0;
    let count = 0;
    for (const v of activations ?? []) {
      if (v > 0) {
        sum += v;
        count++;
      }
    }
    if (count === 0) throw new Error(`latent ${latent} does not fire on this image, so its mean activation m_k is unknown; give the latent statistics file (eval --stats) for α in units of m_k`);
    return sum / count;
  }

  /** v_k[s] in activation space, [S, d], for the latents not mapped yet: one pass (one dynamics upload) for all of them. */
  private async mapTrajectories(ids: readonly number[]): Promise<void> {
    const missing = [...new Set(ids)].filter((k) => !this.trajectories.has(k));
    if (missing.length === 0) return;
    const { dynamics, sae } = this.source;
    const dIn = sae.config.dIn;
    const rows = new Float32Array(missing.length * dIn);
    missing.forEach((k, j) => rows.set(sae.weights.W_dec.subarray(k * dIn, (k + 1) * dIn), j * dIn));
    const { trajectories } = await saeFeatureTrajectories(this.model.gpu, dynamics, rows, missing.length);
    const width = dynamics.S * dynamics.d;
    missing.forEach((k, j) => this.trajectories.set(k, trajectories.slice(j * width, (j + 1) * width)));
  }
}
