/**
 * The reference for the Latents page's heatmap, computed by the engine in
 * Node from the files the page exported: H_k[s, p] = f_k(n, p) · ‖v_k[s]‖
 * for one latent and image (DESIGN §1.5). Run with vite-node:
 *   latent-heatmap.ts TRAJ DYNAMICS SAE LATENT IMAGE  → one JSON line {S, P, H: [S·P]}
 */
import { readFile } from 'node:fs/promises';
import { TrajectoryReader } from '../src/data/trajectory-file';
import { readDynamicsFile } from '../src/dynamics/dynamics-file';
import { imageLatentActivations } from '../src/flows/latent-activations';
import { saeFeatureTrajectories } from '../src/flows/sae-features';
import { nodeGpu } from '../src/gpu/node-gpu';
import { readSaeFile } from '../src/sae/sae-file';
import { fromSaeFile } from '../src/sae/sae-interchange';

const [trajPath, dynamicsPath, saePath, latentText, imageText] = process.argv.slice(2);
const blob = async (path: string) => new Blob([await readFile(path)]);
const reader = await TrajectoryReader.open(await blob(trajPath));
const dynamics = await readDynamicsFile(await blob(dynamicsPath));
const sae = fromSaeFile(await readSaeFile(await blob(saePath)), 1024);
const latent = Number(latentText);
const n = Number(imageText);
const ctx = await nodeGpu();
const f = await imageLatentActivations(ctx, dynamics, sae, await reader.readImages(n, n + 1), [latent]);
const { profile } = await saeFeatureTrajectories(ctx, dynamics, sae.weights.W_dec.subarray(latent * dynamics.S * dynamics.d, (latent + 1) * dynamics.S * dynamics.d), 1);
const H = Array.from({ length: dynamics.S * reader.P }, (_, i) => f[i % reader.P] * profile[Math.floor(i / reader.P)]);
process.stdout.write(`${JSON.stringify({ S: dynamics.S, P: reader.P, H })}\n`);
process.exit(0);
