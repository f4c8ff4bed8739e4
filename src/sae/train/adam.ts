import type { GpuContext } from '../../gpu/context';
import { workgroupGrid } from '../../gpu/dispatch-grid';
import { f32 } from '../../gpu/params';
import type { SaeConfig } from '../sae-config';

const WG = 256;
/** Elements per thread (shaders/sae-adam.wgsl ITEMS). */
const ITEMS = 4;

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

/**
 * One Adam update of `n` parameters in place (shaders/sae-adam.wgsl), skipped
 * on the GPU once train_state records a divergence. All buffers [n] f32.
 */
export function adamStep(
  ctx: GpuContext,
  args: { param: GPUBuffer; grad: GPUBuffer; moment1: GPUBuffer; moment2: GPUBuffer; n: number; trainState: GPUBuffer; coefficients: AdamCoefficients; config: Pick<SaeConfig, 'adamBeta1' | 'adamBeta2' | 'adamEps'> },
): void {
  const { param, grad, moment1, moment2, n, trainState, coefficients: c, config } = args;
  const [x, y] = workgroupGrid(ctx, Math.ceil(n / (ITEMS * WG)));
  ctx.dispatch({
    shader: 'sae-adam',
    bindings: [grad, trainState, param, moment1, moment2],
    params: [n, x * WG, f32(c.stepSize), f32(c.invSqrtBc2), f32(config.adamBeta1), f32(config.adamBeta2), f32(config.adamEps)],
    workgroups: [x, y],
  });
}
