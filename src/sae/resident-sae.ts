/**
 * A project's SAE and dynamics kept on the GPU between passes (the worker
 * keeps its project's resident, gpu/resident-uploads.ts): every encoding
 * pass (encodedRows) borrows these copies when they were made for the same
 * SAE object, dynamics object and device, and uploads its own otherwise.
 */
import type { DynamicsModel } from '../dynamics/dynamics-file';
import { uploadDynamics, type GpuDynamics } from '../dynamics/gpu-dynamics';
import type { GpuContext } from '../gpu/context';
import { ResidentUploads, type Borrowed } from '../gpu/resident-uploads';
import type { SaeConfig } from './sae-config';
import { SaeModel, type SaeWeights } from './sae-model';

type Sae = { config: SaeConfig; weights: SaeWeights };

export interface ResidentSae {
  /** The CPU dynamics these were uploaded from. */
  source: DynamicsModel;
  dynamics: GpuDynamics;
  model: SaeModel;
  destroy(): void;
}

const resident = new ResidentUploads<Sae, ResidentSae>();

/** Uploads `sae` and `dynamics` to `ctx` once and keeps them until retireSae. */
export function keepSaeResident(ctx: GpuContext, dynamics: DynamicsModel, sae: Sae): void {
  resident.keep(sae, ctx, () => {
    const gpuDynamics = uploadDynamics(ctx, dynamics);
    const model = SaeModel.fromWeights(ctx, sae.config, sae.weights);
    return {
      source: dynamics,
      dynamics: gpuDynamics,
      model,
      destroy() {
        model.destroy();
        gpuDynamics.destroy();
      },
    };
  });
}

/** The resident copies of `sae` with `dynamics` on `ctx` for one pass, or null. */
export function borrowResidentSae(ctx: GpuContext, dynamics: DynamicsModel, sae: Sae): Borrowed<ResidentSae> | null {
  const borrowed = resident.borrow(sae, ctx);
  if (borrowed && borrowed.value.source !== dynamics) {
    borrowed.done();
    return null;
  }
  return borrowed;
}

/** Lets `sae`'s GPU copies go (destroyed once no pass uses them). */
export function retireSae(sae: Sae): void {
  resident.retire(sae);
}
