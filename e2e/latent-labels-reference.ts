/**
 * The reference for the Latents list's attribute labels, computed by the
 * engine in Node from the files the page exported, independently of the
 * page's pass: every image encoded on its own, each latent's maximum over
 * each image's positions, and for every attribute value of the toy grid's
 * first COUNT prompts the AUROC counted pair by pair; each latent's best
 * value (the first the images name among equals) and its AUROC.
 * Run with vite-node:
 *   latent-labels-reference.ts TRAJ DYNAMICS SAE COUNT  → one JSON line [{ value, auroc } | null per latent]
 */
import { readFile } from 'node:fs/promises';
import { imageLatentActivations } from '../src/analysis/image-latent-activations';
import { pairwiseAuroc } from '../src/analysis/test-reference';
import { attributeGridPrompts } from '../src/data/attribute-grid';
import { TrajectoryReader } from '../src/data/trajectory-file';
import { readDynamicsFile } from '../src/dynamics/dynamics-file';
import { nodeGpu } from '../src/gpu/node-gpu';
import { readSaeFile } from '../src/sae/sae-file';
import { fromSaeFile } from '../src/sae/sae-interchange';

const [trajPath, dynamicsPath, saePath, countText] = process.argv.slice(2);
const blob = async (path: string) => new Blob([await readFile(path)]);
const reader = await TrajectoryReader.open(await blob(trajPath));
const dynamics = await readDynamicsFile(await blob(dynamicsPath));
const sae = fromSaeFile(await readSaeFile(await blob(saePath)), 1024);
const truth = attributeGridPrompts({ count: Number(countText) }).map((p) => p.attributes);
const { N, P } = reader;
if (truth.length !== N) throw new Error(`${truth.length} grid prompts for ${N} images`);
const m = sae.config.latents;
const ctx = await nodeGpu();

// maxima[k][n]: latent k's largest f_k(n, p) on image n (a per-step SAE's rows included).
const maxima = Array.from({ length: m }, () => new Array<number>(N).fill(0));
for (let n = 0; n < N; n++) {
  const f = await imageLatentActivations(ctx, dynamics, sae, await reader.readImages(n, n + 1), Array.from({ length: m }, (_, k) => k));
  const R = f.length / (m * P);
  for (let k = 0; k < m; k++) for (const v of f.subarray(k * R * P, (k + 1) * R * P)) maxima[k][n] = Math.max(maxima[k][n], v);
}
const values = [...new Set(truth.flatMap((t) => Object.entries(t).map(([a, v]) => `${a}=${v}`)))];
const best = maxima.map((column) => {
  let top: { value: string; auroc: number } | null = null;
  for (const value of values) {
    const [attribute, v] = value.split('=');
    const labels = truth.map((t) => t[attribute] === v);
    if (labels.every(Boolean) || !labels.some(Boolean)) continue;
    const auroc = pairwiseAuroc(column, labels);
    if (!top || auroc > top.auroc) top = { value, auroc };
  }
  return top;
});
console.log(JSON.stringify(best));
process.exit(0);
