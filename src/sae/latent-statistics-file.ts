/**
 * Latent statistics files (safetensors, like every file the lab writes): what the CLI measures about
 * a trained SAE's latents, for the browser's Explore view and for steering,
 * as safetensors (row-major, little-endian):
 *
 *   fire_count        U32 [m]          tokens on which latent k fired
 *   mean_activation   F64 [m]          mean non-zero activation m_k (0 if it never fired)
 *   histogram_counts  U32 [m, bins]    non-zero activations per bin
 *   histogram_edges   F64 [bins + 1]   log-spaced; the end bins are open
 *   top_token         U32 [m, topN]    top-activating tokens t = n·P + p, largest first; 0xffffffff pads
 *   top_value         F32 [m, topN]    their activations (0 pads)
 *   neighbour_index   U32 [m, n]       nearest latents by decoder cosine, most similar first
 *   neighbour_cosine  F32 [m, n]
 *   temporal_profile  F32 [m, S]       ‖v_k[s]‖
 *   spatial_spread    F64 [m]          mean fraction of a firing image's P positions where k fires (latent-statistics.ts)
 *   fire_images       U32 [m]          images on which k fired
 *   sample_image      U32 [m, size]    a uniform random sample of those images, ascending; 0xffffffff pads
 *
 * `__metadata__`: kind = "latent-statistics", tokens (JSON number: tokens
 * seen), positions (JSON number: P, with the three spatial tensors). Firing
 * rates and top counts are derived on reading. Files written before the
 * spatial tensors existed read with `spatial: null`; `eval --stats` (or
 * training, or importing the SAE, in the page) writes them.
 */

import { SafetensorsError, SafetensorsFile, serializeSafetensors, type ByteSource, type Dtype } from '../data/safetensors';
import type { DecoderNeighbours } from './decoder-statistics';
import type { LatentStatisticsResult } from './latent-statistics';

const KIND = 'latent-statistics';

export interface LatentStatisticsFile {
  statistics: LatentStatisticsResult;
  neighbours: DecoderNeighbours;
  /** [m, steps]: the temporal profile ‖v_k[s]‖. */
  temporalProfile: Float32Array;
  /** Recorded steps S. */
  steps: number;
}

function fail(message: string): never {
  throw new SafetensorsError(`latent statistics file: ${message}`);
}

/** The sizes a file's tensors follow; throws naming the first array of the wrong length. */
function checkSizes(f: LatentStatisticsFile): void {
  const { statistics: s, neighbours, temporalProfile, steps } = f;
  const m = s.fireCount.length;
  const bins = s.histogram.edges.length - 1;
  const topN = m > 0 ? s.top.token.length / m : 0;
  if (!Number.isSafeInteger(s.tokens) || s.tokens < 0) fail(`tokens = ${s.tokens}, but it must be an integer ≥ 0`);
  if (m < 1 || bins < 1 || !Number.isInteger(topN) || topN < 1) fail(`needs m ≥ 1 latents, ≥ 1 histogram bins and topN ≥ 1; got m = ${m}, bins = ${bins}, top_token of ${s.top.token.length} values`);
  if (!Number.isInteger(steps) || steps < 1) fail(`steps = ${steps}, but it must be an integer ≥ 1`);
  const sizes: [string, number, number, string][] = [
    ['meanActivation', s.meanActivation.length, m, '[m]'],
    ['histogram.counts', s.histogram.counts.length, m * bins, '[m, bins]'],
    ['top.value', s.top.value.length, m * topN, '[m, topN]'],
    ['neighbours.index', neighbours.index.length, m * neighbours.n, '[m, n]'],
    ['neighbours.cosine', neighbours.cosine.length, m * neighbours.n, '[m, n]'],
    ['temporalProfile', temporalProfile.length, m * steps, '[m, S]'],
  ];
  for (const [name, got, want, shape] of sizes) if (got !== want) fail(`${name} has ${got} values; ${shape} needs ${want} (m = ${m}, bins = ${bins}, topN = ${topN}, n = ${neighbours.n}, S = ${steps})`);
  const bad = s.fireCount.findIndex((c) => c > s.tokens);
  if (bad >= 0) fail(`fire_count[${bad}] = ${s.fireCount[bad]} exceeds the ${s.tokens} tokens seen`);
  const sp = s.spatial;
  if (sp) {
    if (!Number.isInteger(sp.positions) || sp.positions < 1) fail(`positions = ${sp.positions}, but it must be an integer ≥ 1`);
    if (!Number.isInteger(sp.sample.size) || sp.sample.size < 1) fail(`the image sample holds ${sp.sample.size} per latent, but it must be an integer ≥ 1`);
    for (const [name, got, want, shape] of [
      ['spatial.spread', sp.spread.length, m, '[m]'],
      ['spatial.fireImages', sp.fireImages.length, m, '[m]'],
      ['spatial.sample.image', sp.sample.image.length, m * sp.sample.size, '[m, size]'],
    ] as const) {
      if (got !== want) fail(`${name} has ${got} values; ${shape} needs ${want} (m = ${m}, size = ${sp.sample.size})`);
    }
    // A latent fires on an image iff it fires at all, on at most P positions of each.
    const off = sp.fireImages.findIndex((c, k) => (c === 0) !== (s.fireCount[k] === 0) || c > s.fireCount[k] || !(c === 0 ? sp.spread[k] === 0 : sp.spread[k] > 0 && sp.spread[k] <= 1));
    if (off >= 0) fail(`latent ${off}: fire_images = ${sp.fireImages[off]}, spatial_spread = ${sp.spread[off]} disagree with fire_count = ${s.fireCount[off]} (spread is in (0, 1] on ≥ 1 image iff the latent fires)`);
  }
}

export function serializeLatentStatistics(f: LatentStatisticsFile): Blob {
  checkSizes(f);
  const { statistics: s, neighbours, temporalProfile, steps } = f;
  const m = s.fireCount.length;
  const bins = s.histogram.edges.length - 1;
  const topN = s.top.token.length / m;
  return serializeSafetensors(
    {
      fire_count: { dtype: 'U32', shape: [m], data: s.fireCount },
      mean_activation: { dtype: 'F64', shape: [m], data: s.meanActivation },
      histogram_counts: { dtype: 'U32', shape: [m, bins], data: s.histogram.counts },
      histogram_edges: { dtype: 'F64', shape: [bins + 1], data: s.histogram.edges },
      top_token: { dtype: 'U32', shape: [m, topN], data: s.top.token },
      top_value: { dtype: 'F32', shape: [m, topN], data: s.top.value },
      neighbour_index: { dtype: 'U32', shape: [m, neighbours.n], data: neighbours.index },
      neighbour_cosine: { dtype: 'F32', shape: [m, neighbours.n], data: neighbours.cosine },
      temporal_profile: { dtype: 'F32', shape: [m, steps], data: temporalProfile },
      ...(s.spatial && {
        spatial_spread: { dtype: 'F64', shape: [m], data: s.spatial.spread },
        fire_images: { dtype: 'U32', shape: [m], data: s.spatial.fireImages },
        sample_image: { dtype: 'U32', shape: [m, s.spatial.sample.size], data: s.spatial.sample.image },
      }),
    },
    { kind: KIND, tokens: JSON.stringify(s.tokens), ...(s.spatial && { positions: JSON.stringify(s.spatial.positions) }) },
  );
}

export async function readLatentStatistics(source: ByteSource): Promise<LatentStatisticsFile> {
  const file = await SafetensorsFile.open(source);
  const meta = file.metadata;
  if (meta.kind !== KIND) fail(`metadata kind is ${JSON.stringify(meta.kind)}, expected "${KIND}"`);
  const tokens = /^\d+$/.test(meta.tokens ?? '') ? Number(meta.tokens) : NaN;
  if (!Number.isSafeInteger(tokens)) fail(`metadata "tokens" must be a JSON integer ≥ 0, got ${JSON.stringify(meta.tokens)}`);
  /** Tensor `name` as `dtype` with `rank` dimensions; returns its shape. */
  const shape = (name: string, dtype: Dtype, rank: number): readonly number[] => {
    const info = file.info(name);
    if (info.dtype !== dtype || info.shape.length !== rank) fail(`${name} is ${info.dtype} [${info.shape.join(', ')}]; expected ${dtype} with ${rank} dimension${rank > 1 ? 's' : ''}`);
    return info.shape;
  };
  const [m] = shape('fire_count', 'U32', 1);
  const [bins1] = shape('histogram_edges', 'F64', 1);
  const rows = (name: string, dtype: Dtype): number => {
    const [rowCount, width] = shape(name, dtype, 2);
    if (rowCount !== m) fail(`${name} has ${rowCount} rows, but fire_count has m = ${m}`);
    return width;
  };
  shape('mean_activation', 'F64', 1);
  const bins = rows('histogram_counts', 'U32');
  if (bins !== bins1 - 1) fail(`histogram_counts has ${bins} bins, but histogram_edges has ${bins1} edges`);
  const topN = rows('top_token', 'U32');
  if (rows('top_value', 'F32') !== topN) fail(`top_value and top_token differ in width`);
  const n = rows('neighbour_index', 'U32');
  if (rows('neighbour_cosine', 'F32') !== n) fail(`neighbour_cosine and neighbour_index differ in width`);
  const steps = rows('temporal_profile', 'F32');
  const spatialNames = ['spatial_spread', 'fire_images', 'sample_image'];
  const spatialCount = spatialNames.filter((name) => file.tensors.has(name)).length;
  if (spatialCount !== 0 && spatialCount !== spatialNames.length) fail(`has ${spatialNames.filter((name) => file.tensors.has(name)).join(', ')} but not all of ${spatialNames.join(', ')}`);
  let spatial: LatentStatisticsResult['spatial'] = null;
  if (spatialCount > 0) {
    const positions = /^\d+$/.test(meta.positions ?? '') ? Number(meta.positions) : NaN;
    if (!Number.isSafeInteger(positions)) fail(`metadata "positions" must be a JSON integer ≥ 1 beside the spatial tensors, got ${JSON.stringify(meta.positions)}`);
    shape('spatial_spread', 'F64', 1);
    shape('fire_images', 'U32', 1);
    const size = rows('sample_image', 'U32');
    spatial = { positions, spread: new Float64Array((await file.readBytes('spatial_spread')).buffer), fireImages: new Uint32Array((await file.readBytes('fire_images')).buffer), sample: { size, image: new Uint32Array((await file.readBytes('sample_image')).buffer) } };
  }

  // readBytes returns fresh, zero-offset copies, so typed views over them are aligned.
  const u32 = async (name: string) => new Uint32Array((await file.readBytes(name)).buffer);
  const f64 = async (name: string) => new Float64Array((await file.readBytes(name)).buffer);
  const fireCount = await u32('fire_count');
  const result: LatentStatisticsFile = {
    statistics: {
      tokens,
      fireCount,
      firingRate: Float64Array.from(fireCount, (c) => (tokens > 0 ? c / tokens : 0)),
      meanActivation: await f64('mean_activation'),
      histogram: { edges: await f64('histogram_edges'), counts: await u32('histogram_counts') },
      top: { token: await u32('top_token'), value: await file.readF32('top_value'), count: Uint32Array.from(fireCount, (c) => Math.min(c, topN)) },
      spatial,
    },
    neighbours: { n, index: await u32('neighbour_index'), cosine: await file.readF32('neighbour_cosine') },
    temporalProfile: await file.readF32('temporal_profile'),
    steps,
  };
  checkSizes(result);
  return result;
}
