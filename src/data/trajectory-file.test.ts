import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import { f16Bits, f16ToNumber } from './float16';
import { SafetensorsFile, serializeSafetensors } from './safetensors';
import {
  ACTIVATIONS,
  TrajectoryReader,
  encodeActivations,
  imagesToTokens,
  serializeTrajectoryFile,
  trajectoryLayout,
  type TrajectoryMeta,
} from './trajectory-file';

const N = 5;
const S = 3;
const H = 2;
const W = 3;
const P = H * W;
const d = 4;

const meta: TrajectoryMeta = {
  model: 'stabilityai/sd-turbo',
  hook: 'unet.mid_block',
  stepIndices: [0, 2, 4],
  timesteps: [999, 599.5, 199],
  height: H,
  width: W,
  prompts: ['a cat', 'a "quoted" dog', 'ünïcödé', '', 'a tree'],
  seeds: [1, 2, 3, 4, 2 ** 40],
};

const rand = seededRandom(3);
const activations = Float32Array.from({ length: N * S * P * d }, () => (rand() - 0.5) * 100);

/** Value at [n, s, p, c], read straight from the definition of the layout. */
const at = (n: number, s: number, p: number, c: number): number => activations[((n * S + s) * P + p) * d + c];

describe('trajectory files', () => {
  it('round-trips F32 exactly, metadata included', async () => {
    const reader = await TrajectoryReader.open(serializeTrajectoryFile(meta, activations, d, 'F32'));
    expect([reader.N, reader.S, reader.P, reader.d, reader.dtype]).toEqual([N, S, P, d, 'F32']);
    expect(reader.meta).toEqual(meta);
    expect(reader.tokenCount).toBe(N * P);
    expect(Array.from(await reader.readImages(0, N))).toEqual(Array.from(activations));
  });

  it('round-trips F16 to the nearest half', async () => {
    const reader = await TrajectoryReader.open(serializeTrajectoryFile(meta, activations, d, 'F16'));
    expect(reader.dtype).toBe('F16');
    const back = await reader.readImages(0, N);
    for (let i = 0; i < activations.length; i++) expect(back[i]).toBe(Math.fround(f16ToNumber(f16Bits(activations[i]))));
  });

  it('stores metadata as JSON strings a Python reader can parse', async () => {
    const file = await SafetensorsFile.open(serializeTrajectoryFile(meta, activations, d, 'F16'));
    expect(file.metadata.kind).toBe('trajectories');
    expect(file.metadata.model).toBe(meta.model);
    expect(JSON.parse(file.metadata.step_indices)).toEqual(meta.stepIndices);
    expect(JSON.parse(file.metadata.prompts)).toEqual(meta.prompts);
    expect(file.info(ACTIVATIONS).shape).toEqual([N, S, P, d]);
  });

  it('streams image ranges equal to the full read', async () => {
    const reader = await TrajectoryReader.open(serializeTrajectoryFile(meta, activations, d, 'F32'));
    const full = await reader.readImages(0, N);
    const imageSize = S * P * d;
    for (const [n0, n1] of [[0, 1], [1, 4], [4, 5], [2, 2]]) {
      expect(Array.from(await reader.readImages(n0, n1))).toEqual(Array.from(full.subarray(n0 * imageSize, n1 * imageSize)));
    }
  });

  it('reads a file on disk through fs.openAsBlob (Node), by ranges', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trajectory-'));
    try {
      const path = join(dir, 'acts.safetensors');
      await writeFile(path, new Uint8Array(await serializeTrajectoryFile(meta, activations, d, 'F16').arrayBuffer()));
      const reader = await TrajectoryReader.open(await openAsBlob(path));
      const inMemory = await TrajectoryReader.open(serializeTrajectoryFile(meta, activations, d, 'F16'));
      expect(reader.meta).toEqual(meta);
      expect(await reader.readImages(2, 4)).toEqual(await inMemory.readImages(2, 4));
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('gives token rows [x_1; …; x_S] per (image, position)', async () => {
    const reader = await TrajectoryReader.open(serializeTrajectoryFile(meta, activations, d, 'F32'));
    const tokens = await reader.readTokens(1, 3);
    expect(tokens.length).toBe(2 * P * S * d);
    for (let n = 1; n < 3; n++) {
      for (let p = 0; p < P; p++) {
        for (let s = 0; s < S; s++) {
          for (let c = 0; c < d; c++) expect(tokens[(((n - 1) * P + p) * S + s) * d + c]).toBe(at(n, s, p, c));
        }
      }
    }
    expect(() => imagesToTokens(new Float32Array(5), 1, S, P, d)).toThrow(/images has 5 values; \[1, 3, 6, 4\] needs 72/);
  });

  it('writes image by image to the same bytes as the whole-file writer', async () => {
    const layout = trajectoryLayout(meta, d, 'F16');
    const imageSize = S * P * d;
    const parts = [layout.header];
    for (let n = 0; n < N; n++) parts.push(encodeActivations(activations.subarray(n * imageSize, (n + 1) * imageSize), 'F16').slice());
    const streamed = new Uint8Array(await new Blob(parts).arrayBuffer());
    const whole = new Uint8Array(await serializeTrajectoryFile(meta, activations, d, 'F16').arrayBuffer());
    expect(streamed.length).toBe(layout.totalBytes);
    expect(streamed).toEqual(whole);
  });

  it('refuses F16 overflow instead of storing infinity', () => {
    expect(() => encodeActivations(Float32Array.of(1, 70000), 'F16')).toThrow(/activation 70000 at index 1 overflows F16 \(max ±65504\); store as F32/);
  });

  it('rejects inconsistent metadata with the field named', () => {
    expect(() => serializeTrajectoryFile({ ...meta, seeds: [1] }, activations, d, 'F32')).toThrow(/5 prompts but 1 seeds/);
    expect(() => serializeTrajectoryFile({ ...meta, timesteps: [1] }, activations, d, 'F32')).toThrow(/3 step_indices but 1 timesteps/);
    expect(() => serializeTrajectoryFile({ ...meta, stepIndices: [0, 4, 2] }, activations, d, 'F32')).toThrow(/strictly ascending/);
    expect(() => serializeTrajectoryFile({ ...meta, height: 2.5 }, activations, d, 'F32')).toThrow(/height must be a positive integer, got 2.5/);
    expect(() => serializeTrajectoryFile(meta, activations.subarray(1), d, 'F32')).toThrow(/needs 360/);
  });

  it('rejects files whose shape disagrees with the metadata', async () => {
    const forged = (shape: number[], extra: Record<string, string> = {}): Blob => {
      const count = shape.reduce((a, b) => a * b, 1);
      const { header } = trajectoryLayout(meta, d, 'F32');
      const json = JSON.parse(new TextDecoder().decode(header.subarray(8))) as { __metadata__: Record<string, string> };
      return serializeSafetensors(
        { [ACTIVATIONS]: { dtype: 'F32', shape, data: new Float32Array(count) } },
        { ...json.__metadata__, ...extra },
      );
    };
    await expect(TrajectoryReader.open(forged([N, S, P * d]))).rejects.toThrow(/must be 4-D \[N, S, P, d\], got shape \[5, 3, 24\]/);
    await expect(TrajectoryReader.open(forged([N, S + 1, P, d]))).rejects.toThrow(/S = 4 steps but metadata lists 3 step_indices/);
    await expect(TrajectoryReader.open(forged([N, S, P + 1, d]))).rejects.toThrow(/P = 7 positions but metadata height·width = 2·3 = 6/);
    await expect(TrajectoryReader.open(forged([N - 1, S, P, d]))).rejects.toThrow(/N = 4 images but metadata lists 5 prompts/);
    await expect(TrajectoryReader.open(forged([N, S, P, d], { kind: 'dynamics' }))).rejects.toThrow(/kind is "dynamics", expected "trajectories"/);
    await expect(TrajectoryReader.open(forged([N, S, P, d], { seeds: '[1,' }))).rejects.toThrow(/metadata "seeds" is not JSON/);
  });
});
