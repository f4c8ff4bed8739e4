/**
 * The reference for the Latents page, computed by the engine in Node from
 * the files the page exported (DESIGN §1.5), for one latent k and image n:
 *   H       H_k[s, p] = f_k(n, p) · ‖v_k[s]‖ on image n, [S·P]
 *   steps   k's per-step histograms of H_k[s, p] over every token of every
 *           image where k fires: f_k from each image encoded on its own, the
 *           overall bins counted here, the edges from them, counts by a plain
 *           float64 linear scan
 *   previews  with a project bundle: image n's stored preview strip, decoded
 *           by the test PNG reader and cut into its S frames (RGBA)
 * Run with vite-node:
 *   latent-heatmap.ts TRAJ DYNAMICS SAE LATENT IMAGE [BUNDLE]  → one JSON line
 */
import { readFile } from 'node:fs/promises';
import { PROJECT_FILES } from '../src/data/opfs-project';
import { stripFrame } from '../src/data/preview-strip';
import { readProjectBundle } from '../src/data/project-bundle';
import { TrajectoryReader } from '../src/data/trajectory-file';
import { readDynamicsFile } from '../src/dynamics/dynamics-file';
import { imageLatentActivations } from '../src/flows/latent-activations';
import { saeFeatureTrajectories } from '../src/flows/sae-features';
import { nodeGpu } from '../src/gpu/node-gpu';
import { HISTOGRAM_DEFAULTS } from '../src/sae/latent-statistics';
import { STEP_HISTOGRAM_BINS, stepHistogramEdges } from '../src/sae/latent-step-histograms';
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

// f_k over every image, each encoded on its own.
const firings: number[] = [];
let fOfImage: Float32Array = new Float32Array(0);
for (let i = 0; i < N; i++) {
  const f = await imageLatentActivations(ctx, dynamics, sae, await reader.readImages(i, i + 1), [latent]);
  if (i === n) fOfImage = f;
  for (const v of f) if (v > 0) firings.push(v);
}
const H = Array.from({ length: S * P }, (_, i) => fOfImage[i % P] * profile[Math.floor(i / P)]);

// The overall histogram's bins as the statistics make them (log-spaced, open ends), counted by a linear scan.
const { bins: B, min, max } = HISTOGRAM_DEFAULTS;
const overallEdges = Array.from({ length: B + 1 }, (_, i) => (i === B ? max : min * (max / min) ** (i / B)));
const binOf = (edges: ArrayLike<number>, v: number) => {
  let bin = 0;
  for (let b = 1; b < edges.length - 1; b++) if (edges[b] <= v) bin = b;
  return bin;
};
const overall = new Array<number>(B).fill(0);
for (const v of firings) overall[binOf(overallEdges, v)]++;
const edges = stepHistogramEdges(overallEdges, overall, profile, STEP_HISTOGRAM_BINS);
const counts = Array.from({ length: S }, (_, s) => {
  const row = new Array<number>(STEP_HISTOGRAM_BINS).fill(0);
  for (const v of firings) row[binOf(edges, v * profile[s])]++;
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

process.stdout.write(`${JSON.stringify({ S, P, height: reader.meta.height, width: reader.meta.width, H, firings: firings.length, steps: { edges: Array.from(edges), counts }, previews })}\n`);
process.exit(0);
