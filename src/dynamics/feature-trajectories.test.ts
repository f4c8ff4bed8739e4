import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu } from '../gpu/test-gpu';
import { DYNAMICS_VARIANTS } from './dynamics-file';
import { featureTrajectories } from './feature-trajectories';
import { uploadDynamics } from './gpu-dynamics';
import { Residualizer } from './residualize';
import { randomModel } from './test-reference';

describe('featureTrajectories', () => {
  it.each(DYNAMICS_VARIANTS)('%s: v_k and ‖v_k[s]‖ match float64', async (variant) => {
    const [S, d, m] = [4, 19, 37];
    const ctx = await testGpu();
    const model = randomModel(variant, S, d, 21);
    const dyn = uploadDynamics(ctx, model);
    const u = gaussianArray(m * S * d, seededRandom(22), 1 / Math.sqrt(S * d));
    const wDec = ctx.upload(u, 'wDec');
    const trajectories = ctx.createBuffer(u.byteLength, 'trajectories');
    const profile = ctx.createBuffer(m * S * 4, 'profile');
    featureTrajectories(ctx, dyn, { wDec, latents: m, trajectories, profile });
    const v = await ctx.readF32(trajectories);
    const norms = await ctx.readF32(profile);
    [wDec, trajectories, profile].forEach((b) => b.destroy());
    dyn.destroy();

    let maxErr = 0;
    let maxNormErr = 0;
    for (let k = 0; k < m; k++) {
      let prev = new Float64Array(d);
      for (let s = 0; s < S; s++) {
        const cur = new Float64Array(d);
        let norm = 0;
        for (let i = 0; i < d; i++) {
          let acc = u[(k * S + s) * d + i] * model.scales[s];
          if (s > 0) for (let j = 0; j < d; j++) acc += model.A[((s - 1) * d + i) * d + j] * prev[j];
          cur[i] = acc;
          norm += acc * acc;
          maxErr = Math.max(maxErr, Math.abs(v[(k * S + s) * d + i] - acc));
        }
        maxNormErr = Math.max(maxNormErr, Math.abs(norms[k * S + s] - Math.sqrt(norm)) / Math.sqrt(norm));
        prev = cur;
      }
    }
    expect(maxErr).toBeLessThan(1e-5);
    expect(maxNormErr).toBeLessThan(1e-5);
  });

  it('the inverse is affine: inverse(Σ f_k u_k + b_dec) − inverse(b_dec) = Σ f_k v_k', async () => {
    const [S, d, m, tokens] = [5, 11, 23, 9];
    const ctx = await testGpu();
    const dyn = uploadDynamics(ctx, randomModel('full', S, d, 31));
    const rand = seededRandom(32);
    const u = gaussianArray(m * S * d, rand, 1 / Math.sqrt(S * d));
    const bDec = gaussianArray(S * d, rand, 0.3);
    // Sparse codes: about a quarter of the latents fire per token.
    const f = Float32Array.from({ length: tokens * m }, () => (rand() < 0.25 ? 3 * rand() : 0));
    const z = new Float32Array(tokens * S * d);
    const zBias = new Float32Array(tokens * S * d);
    for (let t = 0; t < tokens; t++) {
      for (let c = 0; c < S * d; c++) {
        let acc = bDec[c];
        for (let k = 0; k < m; k++) acc += f[t * m + k] * u[k * S * d + c];
        z[t * S * d + c] = acc;
        zBias[t * S * d + c] = bDec[c];
      }
    }
    const buffers = {
      wDec: ctx.upload(u, 'wDec'),
      trajectories: ctx.createBuffer(u.byteLength, 'trajectories'),
      profile: ctx.createBuffer(m * S * 4, 'profile'),
      z: ctx.upload(z, 'z'),
      zBias: ctx.upload(zBias, 'zBias'),
      x: ctx.createBuffer(z.byteLength, 'x'),
      xBias: ctx.createBuffer(z.byteLength, 'xBias'),
    };
    featureTrajectories(ctx, dyn, { wDec: buffers.wDec, latents: m, trajectories: buffers.trajectories, profile: buffers.profile });
    const res = new Residualizer(ctx, dyn, tokens);
    res.invert({ z: buffers.z, x: buffers.x, tokens });
    res.invert({ z: buffers.zBias, x: buffers.xBias, tokens });
    const v = await ctx.readF32(buffers.trajectories);
    const x = await ctx.readF32(buffers.x);
    const xBias = await ctx.readF32(buffers.xBias);
    res.destroy();
    dyn.destroy();
    Object.values(buffers).forEach((b) => b.destroy());

    let num = 0;
    let den = 0;
    for (let t = 0; t < tokens; t++) {
      for (let c = 0; c < S * d; c++) {
        let want = 0;
        for (let k = 0; k < m; k++) want += f[t * m + k] * v[k * S * d + c];
        const got = x[t * S * d + c] - xBias[t * S * d + c];
        num += (got - want) ** 2;
        den += want ** 2;
      }
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-5);
  });
});
