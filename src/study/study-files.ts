/**
 * The files the study writes besides study.json and the report: the
 * held-out trajectories, and per arm the SAE, dynamics, latent statistics
 * and held-out image maxima, as the `steer` and `eval` verbs load them.
 * Written through StudyStorage, so the same study runs in Node and against OPFS.
 */
import { latentReport } from '../analysis/latent-report';
import { encodePng } from '../data/png';
import { serializeSafetensors } from '../data/safetensors';
import { serializeTrajectoryFile, type TrajectoryMeta, type TrajectoryReader } from '../data/trajectory-file';
import type { ProgressStore, RandomAccessFile } from '../data/trajectory-writer';
import { serializeDynamicsFile, type DynamicsModel } from '../dynamics/dynamics-file';
import type { GpuContext } from '../gpu/context';
import type { LatentStatisticsResult } from '../sae/latent-statistics';
import { serializeLatentStatistics } from '../sae/latent-statistics-file';
import type { SaeConfig } from '../sae/sae-config';
import { saeCfgJson, serializeSaeFile, type SaeFileConfig } from '../sae/sae-file';
import { toSaeFile } from '../sae/sae-interchange';
import type { SaeWeights } from '../sae/sae-model';
import type { ArmResult } from './study-results';

/** The study folder: paths are relative to it, '/'-separated. */
export interface StudyStorage {
  /** A random-access file (created if missing), for a trajectory collection. */
  openFile(path: string): Promise<RandomAccessFile>;
  /** Where a collection keeps its list of finished images. */
  progressStore(path: string): ProgressStore;
  read(path: string): Promise<Blob>;
  write(path: string, data: Blob | string): Promise<void>;
}

export async function pngBlob(image: { width: number; height: number; data: Uint8ClampedArray | Uint8Array }): Promise<Blob> {
  return new Blob([(await encodePng(image)) as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}

/**
 * The held-out images as their own trajectory file, so `eval` measures
 * exactly what the study reports (F16 → f32 → F16 is exact). Returns them,
 * [n, S, P, d] f32.
 */
export async function writeHeldoutTrajectories(storage: StudyStorage, path: string, reader: TrajectoryReader, heldout: readonly number[]): Promise<Float32Array> {
  const size = reader.S * reader.P * reader.d;
  const x = new Float32Array(heldout.length * size);
  for (const [i, n] of heldout.entries()) x.set(await reader.readImages(n, n + 1), i * size);
  await storage.write(path, serializeTrajectoryFile(subsetMeta(reader.meta, heldout), x, reader.d, 'F16'));
  return x;
}

/** A trajectory file's metadata for a subset of its images. */
function subsetMeta(meta: TrajectoryMeta, indices: readonly number[]): TrajectoryMeta {
  const pick = <T>(values: readonly T[]) => indices.map((n) => values[n]);
  return {
    ...meta,
    prompts: pick(meta.prompts),
    seeds: pick(meta.seeds),
    ...(meta.sampler ? { sampler: { ...meta.sampler, negativePrompts: pick(meta.sampler.negativePrompts) } } : {}),
  };
}

/** One trained arm's SAE (with cfg.json), dynamics and latent statistics in `folder`; returns their paths and the SAE file's cfg. */
export async function writeArmFiles(
  ctx: GpuContext,
  storage: StudyStorage,
  folder: string,
  arm: { config: SaeConfig; weights: SaeWeights; dynamics: DynamicsModel; statistics: LatentStatisticsResult },
  provenance: { model: string; hook: string; recordCalls: number[] },
): Promise<{ files: ArmResult['files']; cfg: SaeFileConfig }> {
  const file = toSaeFile(arm.config, arm.weights, { model: provenance.model, hook: provenance.hook, dynamics: arm.dynamics, stepIndices: provenance.recordCalls });
  const files = { sae: `${folder}/sae.safetensors`, dynamics: `${folder}/dynamics.safetensors`, stats: `${folder}/stats.safetensors`, activations: `${folder}/activations.safetensors` };
  await storage.write(files.sae, serializeSaeFile(file));
  await storage.write(`${folder}/cfg.json`, saeCfgJson(file.cfg));
  await storage.write(files.dynamics, serializeDynamicsFile(arm.dynamics));
  await storage.write(files.stats, serializeLatentStatistics(await latentReport(ctx, arm.dynamics, arm, arm.statistics, Math.min(8, arm.config.latents - 1))));
  return { files, cfg: file.cfg };
}

/** image_max [n, m] of an arm on the held-out images `heldout`. */
export async function writeArmActivations(storage: StudyStorage, path: string, imageMax: Float32Array, heldout: readonly number[]): Promise<void> {
  const m = imageMax.length / heldout.length;
  await storage.write(
    path,
    serializeSafetensors(
      { image_max: { dtype: 'F32', shape: [heldout.length, m], data: imageMax }, images: { dtype: 'U32', shape: [heldout.length], data: Uint32Array.from(heldout) } },
      { kind: 'study-activations', what: 'image_max[n, k]: max over positions (and steps, per-step SAEs) of latent k on held-out image images[n]' },
    ),
  );
}
