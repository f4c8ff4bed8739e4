import { describe, expect, it } from 'vitest';
import { f16ToNumber } from '../data/float16';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { TrajectoryCapture } from './capture';
import { interpolateTrajectory, maskToHookGrid, SteeringWriter, type SteeringPlan } from './steering';

/** float64 reference of the steering delta [B, C, P] at one call. */
function referenceDelta(plan: SteeringPlan, B: number, C: number, P: number, call: number): Float64Array {
  const out = new Float64Array(B * C * P);
  const calls = plan.recordedCalls;
  for (const l of plan.latents) {
    // Independent interpolation: find the bracketing recorded calls by scanning.
    const v = new Float64Array(C);
    if (call <= calls[0]) for (let c = 0; c < C; c++) v[c] = l.trajectory[c];
    else if (call >= calls[calls.length - 1]) for (let c = 0; c < C; c++) v[c] = l.trajectory[(calls.length - 1) * C + c];
    else {
      let s = 0;
      while (calls[s + 1] < call) s++;
      const t = (call - calls[s]) / (calls[s + 1] - calls[s]);
      for (let c = 0; c < C; c++) v[c] = l.trajectory[s * C + c] * (1 - t) + l.trajectory[(s + 1) * C + c] * t;
    }
    for (let b = 0; b < B; b++) {
      if (plan.conditionalOnly && b !== 1) continue;
      for (let c = 0; c < C; c++) {
        for (let p = 0; p < P; p++) {
          const m = plan.mask ? plan.mask[p] : 1;
          const w = l.ablate ? -l.ablate[p] : l.alpha * l.scale;
          out[(b * C + c) * P + p] += w * m * v[c];
        }
      }
    }
  }
  return out;
}

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num = Math.max(num, Math.abs(got[i] - want[i]));
    den = Math.max(den, Math.abs(want[i]));
  }
  return num / den;
}

describe('steering delta kernel', () => {
  const [B, C, P, S] = [2, 13, 35, 4];
  const random = seededRandom(7);
  const mask = Float32Array.from({ length: P }, () => (random() < 0.4 ? 0 : random()));
  const plan = (conditionalOnly: boolean): SteeringPlan => ({
    latents: [
      { latent: 3, trajectory: gaussianArray(S * C, random), alpha: 1.7, scale: 0.8 },
      { latent: 9, trajectory: gaussianArray(S * C, random), alpha: -2.5, scale: 1.3 },
      { latent: 11, trajectory: gaussianArray(S * C, random), alpha: 0, scale: 0, ablate: gaussianArray(P, random) },
    ],
    recordedCalls: [0, 5, 11, 24],
    window: [2, 20],
    mask,
    conditionalOnly,
  });

  it('equals the float64 sum over latents, interpolated between recorded calls, both branches and conditional-only (f32)', async () => {
    const ctx = await testGpu();
    for (const conditionalOnly of [false, true]) {
      const p = plan(conditionalOnly);
      const writer = new SteeringWriter(ctx, p, B, C, P, false, 25);
      for (const call of [2, 5, 8, 19]) {
        writer.write(call);
        const got = await writer.read();
        const want = referenceDelta(p, B, C, P, call);
        expect(maxRelErr(got, want), `call ${call}`).toBeLessThan(1e-6);
        if (conditionalOnly) expect(got.subarray(0, C * P).every((x) => x === 0)).toBe(true);
      }
      expect(writer.active(1)).toBe(false);
      expect(writer.active(2)).toBe(true);
      expect(writer.active(20)).toBe(false);
      writer.destroy();
    }
  });

  it('packs the same values as f16 pairs for fp16 graphs', async () => {
    const ctx = await testGpu();
    const p = plan(false);
    const writer = new SteeringWriter(ctx, p, B, C, P, true, 25);
    writer.write(8);
    const words = await ctx.readU32(writer.delta, 0, (B * C * P) / 2);
    const got = new Float64Array(B * C * P);
    for (let i = 0; i < words.length; i++) {
      got[2 * i] = f16ToNumber(words[i] & 0xffff);
      got[2 * i + 1] = f16ToNumber(words[i] >>> 16);
    }
    expect(maxRelErr(got, referenceDelta(p, B, C, P, 8))).toBeLessThan(1e-3);
    writer.destroy();
  });

  it('refuses a mask of the wrong size and an empty window', async () => {
    const ctx = await testGpu();
    expect(() => new SteeringWriter(ctx, { ...plan(false), mask: new Float32Array(P + 1) }, B, C, P, false, 25)).toThrow(/mask has 36 values; the hook has 35/);
    expect(() => new SteeringWriter(ctx, { ...plan(false), window: [5, 5] }, B, C, P, false, 25)).toThrow(/window 5:5/);
  });
});

describe('interpolateTrajectory and maskToHookGrid', () => {
  it('holds the end values outside the recorded range', () => {
    const t = Float32Array.from([1, 2, 10, 20]);
    const out = new Float32Array(2);
    interpolateTrajectory(t, [3, 7], 2, 0, out);
    expect(Array.from(out)).toEqual([1, 2]);
    interpolateTrajectory(t, [3, 7], 2, 5, out);
    expect(Array.from(out)).toEqual([5.5, 11]);
    interpolateTrajectory(t, [3, 7], 2, 9, out);
    expect(Array.from(out)).toEqual([10, 20]);
  });

  it('average-pools an image mask onto the hook grid', () => {
    const mask = new Float32Array(8 * 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) mask[y * 8 + x] = 1; // left half
    mask[0] = 0;
    const grid = maskToHookGrid(mask, 8, 4, 2, 2);
    expect(Array.from(grid)).toEqual([0.875, 0, 1, 0]);
  });
});

describe('trajectory capture kernel', () => {
  it('copies branch b of [B, C, P] into token rows [S, P, C] from f32 data and from f16 GPU buffers', async () => {
    const ctx = await testGpu();
    const [B, C, P, S] = [2, 7, 15, 3];
    const random = seededRandom(11);
    const capture = new TrajectoryCapture(ctx, S, P, C);
    const outputs = [0, 1, 2].map(() => gaussianArray(B * C * P, random));
    capture.record(0, 1, outputs[0]);
    capture.record(2, 0, outputs[2]);
    // f16 source: halves packed two per word, as an fp16 graph's GPU output holds them.
    const { f32ArrayToF16 } = await import('../data/float16');
    const half = f32ArrayToF16(outputs[1]);
    const halfBuffer = ctx.upload(half, 'f16 block output');
    capture.record(1, 1, halfBuffer, true);
    const got = await capture.read();
    for (const [slot, branch, src, tol] of [[0, 1, outputs[0], 0], [2, 0, outputs[2], 0], [1, 1, Float32Array.from(half, f16ToNumber), 0]] as const) {
      for (let p = 0; p < P; p++) {
        for (let c = 0; c < C; c++) {
          const want = src[(branch * C + c) * P + p];
          expect(Math.abs(got[(slot * P + p) * C + c] - want)).toBeLessThanOrEqual(tol);
        }
      }
    }
    halfBuffer.destroy();
    capture.destroy();
  });
});
