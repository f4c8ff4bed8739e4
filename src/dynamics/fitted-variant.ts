import type { DynamicsModel, DynamicsVariant } from './dynamics-file';

/** A fitted dynamics variant as a project records it: its λ and R² per transition (on held-out images too, when some were held out). */
export interface FittedVariant {
  variant: DynamicsVariant;
  lambda: number;
  r2: number[];
  r2Heldout: number[] | null;
}

export function fittedVariant(model: Pick<DynamicsModel, 'variant' | 'lambda' | 'r2' | 'r2Heldout'>): FittedVariant {
  return { variant: model.variant, lambda: model.lambda, r2: Array.from(model.r2), r2Heldout: model.r2Heldout ? Array.from(model.r2Heldout) : null };
}
