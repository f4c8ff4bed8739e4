import type { RgbaImage } from '../diffusion/vae-image';
import type { ArmLatents } from './arm-latents';
import type { HeatmapExample } from './figures';

/**
 * Heatmap strips of the method's best latents (the best colour latent and
 * the two best position latents): on the held-out image with the value
 * where the latent fires most, H_k[s, p] = f_k(n, p)·‖v_k[s]‖.
 */
export function heatmapExamples(
  { best, f, R, profile }: ArmLatents,
  c: { heldout: readonly number[]; truth: readonly Record<string, string>[]; images: readonly RgbaImage[]; S: number; P: number; hook: { width: number; height: number }; recordCalls: readonly number[] },
): HeatmapExample[] {
  const { heldout, images, S, P } = c;
  const Nh = heldout.length;
  const byAuroc = (attribute: string) => best.map((b, j) => ({ b, j })).filter(({ b }) => b.attribute === attribute).sort((x, y) => y.b.auroc - x.b.auroc);
  const chosen = [...byAuroc('color').slice(0, 1), ...byAuroc('position').slice(0, 2)];
  return chosen.map(({ b, j }) => {
    const at = (n: number, r: number, p: number) => f[(b.latent * R + r) * Nh * P + n * P + p];
    const members = c.truth.flatMap((t, n) => (t[b.attribute] === b.value ? [n] : []));
    const n = members.reduce((top, m) => (peak(at, m, R, P) > peak(at, top, R, P) ? m : top), members[0] ?? 0);
    const heat = new Float32Array(S * P);
    for (let s = 0; s < S; s++) for (let p = 0; p < P; p++) heat[s * P + p] = at(n, R === 1 ? 0 : s, p) * profile[j * S + s];
    return {
      title: `LATENT ${b.latent}: ${b.attribute} ${b.value} (AUROC ${b.auroc.toFixed(2)}), IMAGE ${heldout[n]}`,
      image: images[n],
      heat,
      gridW: c.hook.width,
      gridH: c.hook.height,
      stepLabels: c.recordCalls.map((call, s) => `S${s + 1} CALL ${call}`),
    };
  });
}

function peak(at: (n: number, r: number, p: number) => number, n: number, R: number, P: number): number {
  let max = 0;
  for (let r = 0; r < R; r++) for (let p = 0; p < P; p++) max = Math.max(max, at(n, r, p));
  return max;
}
