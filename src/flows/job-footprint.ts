/**
 * What a job needs of the machine before it starts, from its settings alone,
 * so the page can say a job will not fit (and by how much) instead of
 * failing half-way: browser storage for the files it writes, GPU memory
 * for the buffers it allocates, and the one-binding limit those buffers
 * must respect. Estimates follow the buffers the engine allocates (the
 * largest terms; small scratch buffers are left out).
 */
import { formatBytes } from '../data/format';
import type { ActivationDtype } from '../data/trajectory-file';
import type { SaeConfig } from '../sae/sae-config';
import { collectionBytes } from './collect-trajectories';

export interface JobFootprint {
  /** GPU buffers the job holds at once. */
  gpuBytes: number;
  /** Browser storage the job's files take. */
  storageBytes: number;
  /** Why it cannot run here, each naming the size it needs and the limit; empty when it fits. */
  problems: string[];
}

/** The device limits the buffers are checked against (GPUSupportedLimits). */
export interface BufferLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

/** Browser storage left (null: unknown), and what the job's files replace and so free. */
export interface StorageLeft {
  left: number | null;
  replacedBytes?: number;
}

function storageProblems(what: string, needed: number, storage: StorageLeft, remedy: string): string[] {
  const left = storage.left === null ? null : storage.left + (storage.replacedBytes ?? 0);
  return left !== null && needed > left ? [`${what} needs ${formatBytes(needed)} of browser storage, but ${formatBytes(left)} is left: ${remedy}.`] : [];
}

/**
 * A collection: its trajectory file (N × S × P × d at the stored width) must
 * fit the storage left, counting what replacing this project's old file frees.
 */
export function collectFootprint(
  shape: { N: number; S: number; P: number; d: number; dtype: ActivationDtype },
  storage: StorageLeft,
): JobFootprint {
  const storageBytes = collectionBytes(shape.N, shape.S, shape.P, shape.d, shape.dtype);
  const problems = storageProblems('This collection', storageBytes, storage, 'free space (delete projects) or record fewer steps or images');
  // The image being recorded is all the collection holds on the GPU beyond the model.
  return { gpuBytes: shape.S * shape.P * shape.d * 4, storageBytes, problems };
}

/**
 * SAE training on trajectories with S steps of d channels (dIn = S·d, or d
 * per step): parameters W_enc, W_dec [m, dIn] and the biases, each with its
 * gradient and two Adam moments; per batch of B rows the input and its
 * residual, the centred batch, the reconstruction and the AuxK
 * reconstruction [B, dIn], the pre-activations [B, m] and the active lists;
 * the dynamics (S − 1)·d². Stored: the SAE file and the checkpoint (the
 * parameters and both moments).
 */
export function trainFootprint(
  config: Pick<SaeConfig, 'dIn' | 'latents' | 'batchSize' | 'k' | 'auxK'>,
  trajectories: { S: number; d: number },
  limits: BufferLimits,
  storage: StorageLeft = { left: null },
): JobFootprint {
  const { dIn, latents: m, batchSize: B, k, auxK } = config;
  const { S, d } = trajectories;
  const parameters = 2 * m * dIn + m + dIn;
  const batchRowBytes = B * dIn * 4;
  const gpuBytes = 4 * parameters * 4 + 5 * batchRowBytes + B * m * 4 + B * (k + auxK) * 16 + (S - 1) * d * d * 4;
  const storageBytes = parameters * 4 + 3 * parameters * 4;
  const problems = storageProblems('This SAE with its checkpoint', storageBytes, storage, 'free space (delete projects) or train fewer latents');
  // The batch, its residual and the reconstruction are each bound whole; W_enc and W_dec are split by latent.
  if (batchRowBytes > Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize)) {
    const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    problems.push(
      `A batch of ${B} rows × ${dIn} values is ${formatBytes(batchRowBytes)} in one GPU buffer binding, but this GPU binds at most ${formatBytes(limit)}: use a batch size of at most ${Math.floor(limit / (4 * dIn))}.`,
    );
  }
  return { gpuBytes, storageBytes, problems };
}
