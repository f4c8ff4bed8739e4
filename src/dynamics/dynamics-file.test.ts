import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import { SafetensorsFile, serializeSafetensors } from '../data/safetensors';
import { readDynamicsFile, serializeDynamicsFile, type DynamicsModel, type DynamicsVariant } from './dynamics-file';

const S = 4;
const d = 3;

/** A model of `variant` with seeded random free entries. */
function model(variant: DynamicsVariant, seed: number): DynamicsModel {
  const rand = seededRandom(seed);
  const A = new Float32Array((S - 1) * d * d);
  for (let i = 0; i < S - 1; i++) {
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) {
        const k = (i * d + r) * d + c;
        if (variant === 'full' || (variant === 'diagonal' && r === c)) A[k] = rand() * 2 - 1;
        else if (variant === 'identity' && r === c) A[k] = 1;
      }
    }
  }
  const freeB = variant === 'full' || variant === 'diagonal';
  return {
    variant,
    lambda: 0.125,
    S,
    d,
    A,
    b: Float32Array.from({ length: (S - 1) * d }, () => (freeB ? rand() - 0.5 : 0)),
    scales: Float32Array.from({ length: S }, () => 0.5 + rand()),
    r2: Float32Array.from({ length: S - 1 }, () => rand()),
  };
}

describe('dynamics files', () => {
  for (const variant of ['full', 'diagonal', 'identity', 'none'] as const) {
    it(`round-trips the ${variant} variant exactly`, async () => {
      const m = model(variant, 11);
      expect(await readDynamicsFile(serializeDynamicsFile(m))).toEqual(m);
    });
  }

  it('round-trips held-out R², NaN included (a zero-variance block)', async () => {
    const m = { ...model('full', 5), r2Heldout: Float32Array.of(0.9, NaN, -0.25) };
    const back = await readDynamicsFile(serializeDynamicsFile(m));
    expect(Array.from(back.r2Heldout ?? [])).toEqual([Math.fround(0.9), NaN, -0.25]);
  });

  it('uses the interchange tensor names, shapes and metadata (A, b, scales, r2; variant, λ)', async () => {
    const file = await SafetensorsFile.open(serializeDynamicsFile(model('full', 2)));
    const shapes = Object.fromEntries([...file.tensors.values()].map((t) => [t.name, [t.dtype, ...t.shape]]));
    expect(shapes).toEqual({ A: ['F32', 3, 3, 3], b: ['F32', 3, 3], scales: ['F32', 4], r2: ['F32', 3] });
    expect(file.metadata).toEqual({ kind: 'dynamics', variant: 'full', lambda: '0.125', S: '4', d: '3' });
  });

  it('rejects models inconsistent with their variant or sizes', () => {
    const diag = model('diagonal', 3);
    diag.A[1] = 0.5;
    expect(() => serializeDynamicsFile(diag)).toThrow(/variant "diagonal" needs A\[0\]\[0\]\[1\] = 0, got 0.5/);
    expect(() => serializeDynamicsFile({ ...model('identity', 3), b: new Float32Array(9).fill(1) })).toThrow(
      /variant "identity" needs b = 0, got b\[0\] = 1/,
    );
    expect(() => serializeDynamicsFile({ ...model('full', 3), A: new Float32Array(26) })).toThrow(/A has 26 values; \[S-1, d, d\] = \[3, 3, 3\] needs 27/);
    expect(() => serializeDynamicsFile({ ...model('full', 3), scales: Float32Array.of(1, 0, 1, 1) })).toThrow(/scales\[1\] = 0/);
    expect(() => serializeDynamicsFile({ ...model('full', 3), lambda: -1 })).toThrow(/lambda must be a finite number >= 0, got -1/);
    expect(() => serializeDynamicsFile({ ...model('full', 3), variant: 'affine' as DynamicsVariant })).toThrow(
      /variant "affine" is not one of full, diagonal, identity, none/,
    );
  });

  it('rejects files whose shapes disagree with S and d', async () => {
    const m = model('full', 4);
    const meta = { kind: 'dynamics', variant: 'full', lambda: '0.125', S: '4', d: '3' };
    const tensors = {
      A: { dtype: 'F32' as const, shape: [3, 9], data: m.A },
      b: { dtype: 'F32' as const, shape: [3, 3], data: m.b },
      scales: { dtype: 'F32' as const, shape: [4], data: m.scales },
      r2: { dtype: 'F32' as const, shape: [3], data: m.r2 },
    };
    await expect(readDynamicsFile(serializeSafetensors(tensors, meta))).rejects.toThrow(/A has shape \[3, 9\]; S = 4, d = 3 need \[3, 3, 3\]/);
    const good = { ...tensors, A: { ...tensors.A, shape: [3, 3, 3] } };
    await expect(readDynamicsFile(serializeSafetensors(good, { ...meta, kind: 'sae' }))).rejects.toThrow(/kind is "sae", expected "dynamics"/);
    await expect(readDynamicsFile(serializeSafetensors(good, { ...meta, S: '4.5' }))).rejects.toThrow(/metadata S must be a positive integer, got 4.5/);
    await expect(readDynamicsFile(serializeSafetensors(good, { ...meta, lambda: 'x' }))).rejects.toThrow(/metadata "lambda" is not JSON/);
    const { r2: _r2, ...noR2 } = good;
    await expect(readDynamicsFile(serializeSafetensors(noR2, meta))).rejects.toThrow(/no tensor "r2"/);
  });
});
