import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { mergeTrajectories } from './merge-trajectories';
import { serializeTrajectoryFile, TrajectoryReader, type TrajectoryMeta } from './trajectory-file';
import { TrajectoryWriter, type ProgressStore, type RandomAccessFile } from './trajectory-writer';

/** A growable in-memory file, so the test sees exactly the bytes a disk or OPFS file would hold. */
function memoryFile(): RandomAccessFile & { bytes(): Uint8Array } {
  let data = new Uint8Array(0);
  let length = 0;
  const ensure = (n: number) => {
    if (n > data.length) {
      const next = new Uint8Array(Math.max(n, data.length * 2));
      next.set(data.subarray(0, length));
      data = next;
    }
  };
  return {
    async size() {
      return length;
    },
    async read(offset, n) {
      return data.slice(offset, Math.min(length, offset + n));
    },
    async write(offset, bytes) {
      ensure(offset + bytes.length);
      data.set(bytes, offset);
      length = Math.max(length, offset + bytes.length);
    },
    async truncate(size) {
      ensure(size);
      data.fill(0, Math.min(size, length), size);
      length = size;
    },
    async close() {},
    bytes: () => data.slice(0, length),
  };
}

function memoryProgress(): ProgressStore & { value: number[] | null } {
  const store = {
    value: null as number[] | null,
    async load() {
      return store.value;
    },
    async save(done: readonly number[]) {
      store.value = [...done];
    },
    async clear() {
      store.value = null;
    },
  };
  return store;
}

const [S, H, W, d] = [3, 2, 3, 5];
const P = H * W;
function meta(prompts: string[], seeds: number[], hook = 'up_blocks.1.attentions.1'): TrajectoryMeta {
  return {
    model: 'toy-sd',
    hook,
    stepIndices: [0, 12, 24],
    timesteps: [961, 481, 1],
    height: H,
    width: W,
    prompts,
    seeds,
    sampler: { scheduler: 'ddim', steps: 25, guidance: 5, negativePrompts: prompts.map(() => '') },
  };
}
const prompts = ['a red circle', 'a blue square', 'a green cross', 'a small triangle', 'a large circle'];
const seeds = [0, 1, 2, 3, 4];
const random = seededRandom(5);
// Values exactly representable in F16, so the uninterrupted reference can be written independently in F32 and compared after conversion.
const images = prompts.map(() => Float32Array.from(gaussianArray(S * P * d, random), (v) => Math.round(v * 64) / 64));

describe('TrajectoryWriter', () => {
  it('writes the file serializeTrajectoryFile writes, image by image and out of order', async () => {
    const file = memoryFile();
    const writer = await TrajectoryWriter.open(file, memoryProgress(), meta(prompts, seeds), d, 'F16', false);
    for (const n of [3, 0, 4, 1, 2]) await writer.writeImage(n, images[n]);
    expect(await writer.close()).toBe(true);
    const all = new Float32Array(images.length * S * P * d);
    images.forEach((img, n) => all.set(img, n * img.length));
    const reference = new Uint8Array(await serializeTrajectoryFile(meta(prompts, seeds), all, d, 'F16').arrayBuffer());
    expect(file.bytes()).toEqual(reference);
  });

  it('resumes after an interruption without redoing finished images, ending with the uninterrupted file', async () => {
    const whole = memoryFile();
    const w0 = await TrajectoryWriter.open(whole, memoryProgress(), meta(prompts, seeds), d, 'F16', false);
    for (let n = 0; n < 5; n++) await w0.writeImage(n, images[n]);
    await w0.close();

    const file = memoryFile();
    const progress = memoryProgress();
    const first = await TrajectoryWriter.open(file, progress, meta(prompts, seeds), d, 'F16', false);
    await first.writeImage(0, images[0]);
    await first.writeImage(1, images[1]);
    // The run stops here (no close); a new one resumes.
    expect(progress.value).toEqual([0, 1]);
    const second = await TrajectoryWriter.open(file, progress, meta(prompts, seeds), d, 'F16', true);
    expect([...second.done]).toEqual([0, 1]);
    for (let n = 2; n < 5; n++) await second.writeImage(n, images[n]);
    expect(await second.close()).toBe(true);
    expect(progress.value).toBeNull();
    expect(file.bytes()).toEqual(whole.bytes());
    const reader = await TrajectoryReader.open(file.bytes());
    expect(Array.from(await reader.readImages(3, 4))).toEqual(Array.from(images[3]));
  });

  it('refuses to resume a file started with other prompts', async () => {
    const file = memoryFile();
    const progress = memoryProgress();
    const w = await TrajectoryWriter.open(file, progress, meta(prompts, seeds), d, 'F16', false);
    await w.writeImage(0, images[0]);
    await expect(TrajectoryWriter.open(file, progress, meta(prompts, [9, 1, 2, 3, 4]), d, 'F16', true)).rejects.toThrow(/started with other settings/);
  });
});

describe('mergeTrajectories', () => {
  async function shard(from: number, to: number, hook?: string): Promise<TrajectoryReader> {
    const file = memoryFile();
    const w = await TrajectoryWriter.open(file, memoryProgress(), meta(prompts.slice(from, to), seeds.slice(from, to), hook), d, 'F16', false);
    for (let n = from; n < to; n++) await w.writeImage(n - from, images[n]);
    await w.close();
    return TrajectoryReader.open(file.bytes());
  }

  it('joins shards into the file one unsharded collection writes', async () => {
    const whole = memoryFile();
    const w = await TrajectoryWriter.open(whole, memoryProgress(), meta(prompts, seeds), d, 'F16', false);
    for (let n = 0; n < 5; n++) await w.writeImage(n, images[n]);
    await w.close();
    const out = memoryFile();
    await mergeTrajectories([await shard(0, 2), await shard(2, 3), await shard(3, 5)], out);
    expect(out.bytes()).toEqual(whole.bytes());
  });

  it('refuses shards of different hooks, naming the field', async () => {
    await expect(mergeTrajectories([await shard(0, 2), await shard(2, 5, 'mid_block.attentions.0')], memoryFile())).rejects.toThrow(/shard 2 has hook "mid_block.attentions.0" but shard 1 has "up_blocks.1.attentions.1"/);
  });
});
