import type { GpuContext } from '../../gpu/context';
import { fittedWorkgroup, workgroupGrid, workgroupThreads } from '../../gpu/dispatch-grid';
import { f32 } from '../../gpu/params';
import { laneKernel } from '../../gpu/shaders';
import type { LatentBlocks } from '../latent-blocks';
import type { SaeConfig } from '../sae-config';
import type { ParameterSlot } from './training-state';

/** `main`'s most threads a workgroup (fewer for a small tensor, fittedWorkgroup: b_enc, b_dec). */
const WG = 256;
/**
 * decoder_rows' threads a workgroup on a GPU, each a whole row: fewer than
 * `main`'s, so that the hundreds of rows of a small SAE still make several
 * workgroups. On a CPU adapter, which runs a workgroup on one core, fewer
 * still (workgroupThreads): a 40-latent SAE's rows then spread over the cores.
 */
const ROWS_WG = 64;

/** The scalars of Adam step t (1-based), in float64: warm-up and bias corrections folded into two numbers. */
export interface AdamCoefficients {
  /** lr_t / (1 − β1^t), with lr_t = lr · min(1, t / warmupSteps). */
  stepSize: number;
  /** 1 / √(1 − β2^t) */
  invSqrtBc2: number;
}

export function adamCoefficients(config: Pick<SaeConfig, 'lr' | 'warmupSteps' | 'adamBeta1' | 'adamBeta2'>, t: number): AdamCoefficients {
  const lr = config.warmupSteps > 0 ? config.lr * Math.min(1, t / config.warmupSteps) : config.lr;
  return { stepSize: lr / (1 - config.adamBeta1 ** t), invSqrtBc2: 1 / Math.sqrt(1 - config.adamBeta2 ** t) };
}

type AdamArgs = { trainState: GPUBuffer; coefficients: AdamCoefficients; config: Pick<SaeConfig, 'adamBeta1' | 'adamBeta2' | 'adamEps'> };

/** The uniform words of shaders/sae-adam.wgsl's Params. */
const adamParams = (n: number, rowThreads: number, { coefficients: c, config }: AdamArgs, dIn = 0) =>
  [n, rowThreads, f32(c.stepSize), f32(c.invSqrtBc2), f32(config.adamBeta1), f32(config.adamBeta2), f32(config.adamEps), dIn];

/**
 * One Adam update of `n` parameters in place (shaders/sae-adam.wgsl `main`), skipped
 * on the GPU once train_state records a divergence. All buffers [n] f32.
 */
export function adamStep(
  ctx: GpuContext,
  args: AdamArgs & { param: GPUBuffer; grad: GPUBuffer; moment1: GPUBuffer; moment2: GPUBuffer; n: number },
): void {
  const { param, grad, moment1, moment2, n, trainState } = args;
  const kernel = laneKernel('sae-adam', n);
  const lanes = Math.ceil(n / kernel.lanes);
  const wg = fittedWorkgroup(lanes, WG);
  const [x, y] = workgroupGrid(ctx, Math.ceil(lanes / wg));
  const bindings = [grad, trainState, param, moment1, moment2];
  ctx.dispatch({ shader: kernel.shader, entryPoint: 'main', bindings, params: adamParams(n, x * wg, args), constants: { WG: wg }, workgroups: [x, y] });
}

/**
 * W_dec's step under the unit-norm constraint on its rows, one dispatch per
 * latent block (sae-adam.wgsl `decoder_rows`): each row's gradient loses its
 * component along the row (in place: the gradient the step used, so the
 * step only turns the direction), then Adam, then the row back to unit norm;
 * the last two skipped once train_state records a divergence.
 * slots: W_dec's, one per latent block (param, grad and moments [count, dIn]).
 */
export function decoderRowsStep(
  ctx: GpuContext,
  args: AdamArgs & { slots: readonly Pick<ParameterSlot, 'param' | 'grad' | 'moment1' | 'moment2'>[]; blocks: LatentBlocks; dIn: number },
): void {
  const { shader } = laneKernel('sae-adam', args.dIn);
  const wg = workgroupThreads(ctx, ROWS_WG);
  args.blocks.blocks.forEach((b, i) => {
    const [x, y] = workgroupGrid(ctx, Math.ceil(b.count / wg));
    const s = args.slots[i];
    ctx.dispatch({
      shader,
      entryPoint: 'decoder_rows',
      bindings: [s.grad, args.trainState, s.param, s.moment1, s.moment2],
      params: adamParams(b.count, x * wg, args, args.dIn),
      constants: { WG: wg },
      workgroups: [x, y],
    });
  });
}
