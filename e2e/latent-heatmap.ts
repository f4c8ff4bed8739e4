/**
 * The reference for the Latents page, computed by the engine in Node from
 * the files the page exported, for one latent k and image n:
 *   H       H_k[s, p] = f_k(n, p) · ‖v_k[s]‖ on image n, [S·P]
 *   steps   k's per-step histograms of H_k[s, p] over every token of every
 *           image where k fires: f_k from each image encoded on its own; step
 *           s's edges are the statistics' log-spaced edges × ‖v_k[s]‖, and
 *           each H = f·‖v_k[s]‖ is binned by a plain float64 linear scan
 *   previews  with a project bundle: image n's stored preview strip, decoded
 *           by the test PNG reader and cut into its S frames (RGBA)
 *   f       f_k(n, p) of k on every image, [N][P] (the random examples' heatmaps)
 *   spread  every latent's spatial spread: over the images where it fires,
 *           the mean of (positions where it fires) / P, counted image by image
 *   firingImages  the images where k fires
 *   cofiring  every latent j ≠ k that fires with k, by the Jaccard index of the
 *           two latents' firing tokens over every token (sets, counted here),
 *           best first, ties by id
 * Run with vite-node:
 *   latent-heatmap.ts TRAJ DYNAMICS SAE LATENT IMAGE [BUNDLE]  → one JSON line
 */
import { readFile } from 'node:fs/promises';
import { PROJECT_FILES } from '../src/data/opfs-project';
import { stripFrame } from '../src/data/preview-strip';
import { readProjectBundle } from '../src/data/project-bundle';
import { TrajectoryReader } from '../src/data/trajectory-file';
import { readDynamicsFile } from '../src/dynamics/dynamics-file';
import { imageLatentActivations } from '../src/analysis/image-latent-activations';
import { saeFeatureTrajectories } from '../src/analysis/sae-feature-trajectories';
import { nodeGpu } from '../src/gpu/node-gpu';
import { HISTOGRAM_DEFAULTS } from '../src/sae/latent-statistics';
import { readSaeFile } from '../src/sae/sae-file';
import { fromSaeFile } from '../src/sae/sae-interchange';
import { readPng } from './read-png';

const [trajPath, dynamicsPath, saePath, latentText, imageText, bundlePath] = process.argv.slice(2);
const blob = async (path: string) => new Blob([await readFile(path)]);
const reader = await TrajectoryReader.open(await blob(trajPath));
const dynamics = await readDynamicsFile(await blob(dynamicsPath));
const sae = fromSaeFile(await readSaeFile(await blob(saePath)), 1024);
const latent = Number(latentText);
const n = Number(imageText);
const { S, d } = dynamics;
const { P, N } = reader;
const ctx = await nodeGpu();
const { profile } = await saeFeatureTrajectories(ctx, dynamics, sae.weights.W_dec.subarray(latent * S * d, (latent + 1) * S * d), 1);

// Every latent's f over every image, each image encoded on its own: [m, P] per image.
const m = sae.config.latents;
const firings: number[] = [];
const fOfLatent: number[][] = [];
const fires: boolean[][] = Array.from({ length: m }, () => new Array<boolean>(N * P).fill(false));
for (let i = 0; i < N; i++) {
  const all = await imageLatentActivations(ctx, dynamics, sae, await reader.readImages(i, i + 1), Array.from({ length: m }, (_, j) => j));
  for (let j = 0; j < m; j++) for (let p = 0; p < P; p++) fires[j][i * P + p] = all[j * P + p] > 0;
  const f = all.subarray(latent * P, (latent + 1) * P);
  fOfLatent.push(Array.from(f));
  for (const v of f) if (v > 0) firings.push(v);
}
const fOfImage = Float32Array.from(fOfLatent[n]);

const spread = fires.map((row) => {
  const perImage = Array.from({ length: N }, (_, i) => row.slice(i * P, (i + 1) * P).filter(Boolean).length).filter((c) => c > 0);
  return perImage.length ? perImage.reduce((a, c) => a + c / P, 0) / perImage.length : 0;
});
const firingImages = Array.from({ length: N }, (_, i) => i).filter((i) => fires[latent].slice(i * P, (i + 1) * P).some(Boolean));
const cofiring = fires
  .map((row, j) => {
    let both = 0;
    let union = 0;
    row.forEach((on, t) => {
      if (on && fires[latent][t]) both++;
      if (on || fires[latent][t]) union++;
    });
    return { j, both, jaccard: union ? both / union : 0 };
  })
  .filter((c) => c.j !== latent && c.both > 0)
  .sort((a, b) => b.jaccard - a.jaccard || a.j - b.j);
const H = Array.from({ length: S * P }, (_, i) => fOfImage[i % P] * profile[Math.floor(i / P)]);

// Step s's bins: the statistics' log-spaced bins (open ends) × ‖v_k[s]‖; every H_k[s, p] where k fires counted by a linear scan.
const { bins: B, min, max } = HISTOGRAM_DEFAULTS;
const overallEdges = Array.from({ length: B + 1 }, (_, i) => (i === B ? max : min * (max / min) ** (i / B)));
const binOf = (edges: ArrayLike<number>, v: number) => {
  let bin = 0;
  for (let b = 1; b < edges.length - 1; b++) if (edges[b] <= v) bin = b;
  return bin;
};
const edges = Array.from({ length: S }, (_, s) => overallEdges.map((e) => e * profile[s]));
const counts = edges.map((stepEdges, s) => {
  const row = new Array<number>(B).fill(0);
  for (const v of firings) row[binOf(stepEdges, v * profile[s])]++;
  return row;
});

let previews: { width: number; height: number; frames: number[][] } | null = null;
if (bundlePath) {
  const bundle = await readProjectBundle(await blob(bundlePath));
  const file = bundle.files.find((f) => f.name === PROJECT_FILES.previews(n));
  if (file) {
    const strip = readPng(file.bytes);
    const frames = Array.from({ length: S }, (_, s) => stripFrame(strip, s, S));
    previews = { width: frames[0].width, height: frames[0].height, frames: frames.map((f) => Array.from(f.data)) };
  }
}

// Exits once the line is out: a pipe takes large writes asynchronously, and exit would cut them.
process.stdout.write(`${JSON.stringify({ S, P, height: reader.meta.height, width: reader.meta.width, H, firings: firings.length, f: fOfLatent, spread, firingImages, cofiring, steps: { edges, counts }, previews })}\n`, () => process.exit(0));
