/**
 * Per-step histogram files (latent-step-histograms.ts), measured beside the
 * latent statistics file after training, as safetensors:
 *
 *   counts  U32 [m, S, bins]   firings of latent k by H_k[s, p] = f_k(n, p)·‖v_k[s]‖ at step s
 *   edges   F64 [m, bins + 1]  latent k's log-spaced edges, shared by its steps; the end bins are open
 *
 * `__metadata__`: kind = "latent-step-histograms", tokens (JSON number).
 */
import { SafetensorsError, SafetensorsFile, serializeSafetensors, type ByteSource } from '../data/safetensors';
import type { LatentStatisticsFile } from './latent-statistics-file';
import type { StepHistogramsResult } from './latent-step-histograms';

const KIND = 'latent-step-histograms';

function fail(message: string): never {
  throw new SafetensorsError(`latent step histogram file: ${message}`);
}

export function serializeStepHistograms(h: StepHistogramsResult): Blob {
  const m = h.edges.length / (h.bins + 1);
  if (!Number.isInteger(m) || h.counts.length !== m * h.S * h.bins) fail(`counts has ${h.counts.length} values and edges ${h.edges.length}; [m, S = ${h.S}, bins = ${h.bins}] and [m, bins + 1] disagree`);
  return serializeSafetensors(
    {
      counts: { dtype: 'U32', shape: [m, h.S, h.bins], data: h.counts },
      edges: { dtype: 'F64', shape: [m, h.bins + 1], data: h.edges },
    },
    { kind: KIND, tokens: JSON.stringify(h.tokens) },
  );
}

export async function readStepHistograms(source: ByteSource): Promise<StepHistogramsResult> {
  const file = await SafetensorsFile.open(source);
  if (file.metadata.kind !== KIND) fail(`metadata kind is ${JSON.stringify(file.metadata.kind)}, expected "${KIND}"`);
  const tokens = /^\d+$/.test(file.metadata.tokens ?? '') ? Number(file.metadata.tokens) : NaN;
  if (!Number.isSafeInteger(tokens)) fail(`metadata "tokens" must be a JSON integer ≥ 0, got ${JSON.stringify(file.metadata.tokens)}`);
  const counts = file.info('counts');
  const edges = file.info('edges');
  if (counts.dtype !== 'U32' || counts.shape.length !== 3) fail(`counts is ${counts.dtype} [${counts.shape.join(', ')}]; expected U32 [m, S, bins]`);
  if (edges.dtype !== 'F64' || edges.shape.length !== 2) fail(`edges is ${edges.dtype} [${edges.shape.join(', ')}]; expected F64 [m, bins + 1]`);
  const [m, S, bins] = counts.shape;
  if (edges.shape[0] !== m || edges.shape[1] !== bins + 1) fail(`edges is [${edges.shape.join(', ')}], but counts [${m}, ${S}, ${bins}] needs [${m}, ${bins + 1}]`);
  if (m < 1 || S < 1 || bins < 1) fail(`needs m, S and bins ≥ 1; got [${m}, ${S}, ${bins}]`);
  // readBytes returns fresh, zero-offset copies, so typed views over them are aligned.
  return { tokens, S, bins, counts: new Uint32Array((await file.readBytes('counts')).buffer), edges: new Float64Array((await file.readBytes('edges')).buffer) };
}

/**
 * Whether per-step histograms were measured with these latent statistics:
 * the same tokens, latents and steps, and every (latent, step) row summing
 * to the latent's fire count. An SAE trained or imported since gives other
 * counts, so a stale file is told apart by content, not by file dates.
 */
export function stepHistogramsMatch(h: StepHistogramsResult, stats: LatentStatisticsFile): boolean {
  const fire = stats.statistics.fireCount;
  const m = fire.length;
  if (h.tokens !== stats.statistics.tokens || h.S !== stats.steps || h.counts.length !== m * h.S * h.bins) return false;
  for (let k = 0; k < m; k++) {
    for (let s = 0; s < h.S; s++) {
      let sum = 0;
      for (let b = 0; b < h.bins; b++) sum += h.counts[(k * h.S + s) * h.bins + b];
      if (sum !== fire[k]) return false;
    }
  }
  return true;
}
