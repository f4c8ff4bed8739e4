/**
 * Joins trajectory-file shards (collections of consecutive prompt ranges,
 * possibly recorded on different machines) into one file, copying the stored
 * bytes as they are: merging F16 shards is lossless, and merged shards equal
 * one unsharded collection. Shards of different models, hooks, step lists,
 * sampler settings, shapes or dtypes are refused.
 */
import { trajectoryLayout, type TrajectoryMeta, type TrajectoryReader } from './trajectory-file';
import type { RandomAccessFile } from './trajectory-writer';

/** Images copied per read, to bound memory on large shards. */
const IMAGES_PER_COPY = 16;

/** The merged metadata; throws naming the first field in which shard i differs from shard 0. */
export function mergedMeta(shards: readonly TrajectoryReader[]): TrajectoryMeta {
  if (shards.length === 0) throw new Error('merge needs at least one shard');
  const first = shards[0];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  shards.forEach((shard, i) => {
    const checks: [string, unknown, unknown][] = [
      ['model', shard.meta.model, first.meta.model],
      ['hook', shard.meta.hook, first.meta.hook],
      ['step indices', shard.meta.stepIndices, first.meta.stepIndices],
      ['timesteps', shard.meta.timesteps, first.meta.timesteps],
      ['feature-map size', [shard.meta.height, shard.meta.width], [first.meta.height, first.meta.width]],
      ['channels d', shard.d, first.d],
      ['dtype', shard.dtype, first.dtype],
      ['sampler', shard.meta.sampler && { ...shard.meta.sampler, negativePrompts: undefined }, first.meta.sampler && { ...first.meta.sampler, negativePrompts: undefined }],
    ];
    for (const [name, got, want] of checks) {
      if (!same(got, want)) throw new Error(`shard ${i + 1} has ${name} ${JSON.stringify(got)} but shard 1 has ${JSON.stringify(want)}: only shards of one collection can be merged`);
    }
  });
  const merged: TrajectoryMeta = {
    ...first.meta,
    prompts: shards.flatMap((s) => s.meta.prompts),
    seeds: shards.flatMap((s) => s.meta.seeds),
  };
  if (first.meta.sampler) merged.sampler = { ...first.meta.sampler, negativePrompts: shards.flatMap((s) => s.meta.sampler!.negativePrompts) };
  return merged;
}

export async function mergeTrajectories(shards: readonly TrajectoryReader[], out: RandomAccessFile, onProgress?: (done: number, total: number) => void): Promise<TrajectoryMeta> {
  const meta = mergedMeta(shards);
  const layout = trajectoryLayout(meta, shards[0].d, shards[0].dtype);
  await out.truncate(0);
  await out.write(0, layout.header);
  let offset = layout.header.length;
  let done = 0;
  for (const shard of shards) {
    for (let n = 0; n < shard.N; n += IMAGES_PER_COPY) {
      const bytes = await shard.readImageBytes(n, Math.min(shard.N, n + IMAGES_PER_COPY));
      await out.write(offset, bytes);
      offset += bytes.length;
      done += Math.min(IMAGES_PER_COPY, shard.N - n);
      onProgress?.(done, meta.prompts.length);
    }
  }
  if (offset !== layout.totalBytes) throw new Error(`merged file has ${offset} bytes; its header plans ${layout.totalBytes}`);
  await out.close();
  return meta;
}
