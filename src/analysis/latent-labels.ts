/**
 * The Latents list's automatic label and thumbnail of every latent, made once
 * per statistics file and stored beside it (analysis/latent-labels-file.ts):
 *   words      the prompt words enriched in its top images (enriched-words.ts,
 *              over the same top images as the latent page's header)
 *   attribute  where the images' attribute values are known (the toy's grid),
 *              the value its per-image maximum activation best separates, by
 *              AUROC (attribute-auroc.ts, as the latent page's attribute tags)
 *   thumbnail  its top image and f_k(n, p) there (top-image-maps.ts)
 */
import type { DynamicsModel } from '../dynamics/dynamics-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';
import type { GpuContext } from '../gpu/context';
import { topImages, type LatentTable } from '../sae/latent-table';
import type { SaeConfig } from '../sae/sae-config';
import type { SaeWeights } from '../sae/sae-model';
import { attributeValueLabels, aurocFromRanks, columnRanks } from './attribute-auroc';
import { enrichedWords, promptWords, type EnrichedWord, type PromptWords } from './enriched-words';
import { NO_IMAGE, topImageMaps } from './top-image-maps';

/** Top images whose prompts give a latent's words (here and on the latent page). */
export const LABEL_IMAGES = 20;
/** Words kept per latent for the list. */
export const LABEL_WORDS = 3;

/** Each image's attribute values (`{ color: 'red', … }`), in image order. */
export type ImageAttributes = readonly Readonly<Record<string, string>>[];

export interface BestAttributes {
  /** `attribute=value` of every value some images have, in the order the images name them. */
  values: string[];
  /** [m] index into `values` of the latent's best value (NO_VALUE when none has an AUROC), and that AUROC (NaN then). */
  best: Uint32Array;
  auroc: Float64Array;
}

export const NO_VALUE = 0xffffffff;

export interface LatentLabels {
  m: number;
  /** Positions per image (height × width of the maps). */
  P: number;
  /** [m] per latent, its enriched words, best first (at most LABEL_WORDS). */
  words: string[][];
  /** null when the images' attributes are unknown. */
  attributes: BestAttributes | null;
  /** [m] each latent's top image (NO_IMAGE when it never fired) and [m, P] its f_k(n, p) there. */
  topImage: Uint32Array;
  topMap: Float32Array;
}

/** Latent k's best attribute AUROC (0 without one: attributes unknown, or it never fired), to rank latents by. */
export function bestAuroc(labels: LatentLabels | null, k: number): number {
  const auroc = labels?.attributes?.auroc[k];
  return auroc !== undefined && Number.isFinite(auroc) ? auroc : 0;
}

/** Latent k's enriched prompt words; `index` (promptWords of `prompts`) saves re-reading the prompts per latent. */
export function latentWords(prompts: readonly string[], table: LatentTable, k: number, limit = 5, index?: PromptWords): EnrichedWord[] {
  return enrichedWords(prompts, topImages(table, k).slice(0, LABEL_IMAGES), limit, index);
}

/** [m] the image of each latent's top row, NO_IMAGE for a latent that never fired. */
export function latentTopImages(table: LatentTable): Uint32Array {
  return Uint32Array.from({ length: table.m }, (_, k) => topImages(table, k)[0] ?? NO_IMAGE);
}

/**
 * Each latent's best attribute value by the AUROC of its per-image maximum
 * activation (as latentAttributeAurocs scores one latent, with each latent's
 * ranks made once and each value's images listed once, so tens of thousands
 * of latents cost seconds): imageMax [N, m] row-major, truth[n] image n's
 * values. Ties go to the value the images name first.
 */
export function bestAttributes(imageMax: ArrayLike<number>, N: number, m: number, truth: ImageAttributes): BestAttributes {
  if (imageMax.length !== N * m || truth.length !== N) throw new RangeError(`imageMax has ${imageMax.length} values and truth ${truth.length} images; [N, m] = [${N}, ${m}] needs ${N * m} and ${N}`);
  const valueLabels = attributeValueLabels(truth);
  const values = valueLabels.map((v) => `${v.attribute}=${v.value}`);
  const best = new Uint32Array(m).fill(NO_VALUE);
  const auroc = new Float64Array(m).fill(NaN);
  for (let k = 0; k < m; k++) {
    const ranks = columnRanks(imageMax, N, m, k);
    valueLabels.forEach(({ labels: positive }, i) => {
      const a = aurocFromRanks(ranks, positive);
      // A value every image or no image has gives NaN: never the best.
      if (a > auroc[k] || (Number.isNaN(auroc[k]) && Number.isFinite(a))) {
        best[k] = i;
        auroc[k] = a;
      }
    });
  }
  return { values, best, auroc };
}

/**
 * Every latent's label and thumbnail map, from one encoder pass: over the
 * distinct top images, or over every image when `truth` (one entry per
 * image) asks for attribute AUROCs too.
 */
export async function measureLatentLabels(
  ctx: GpuContext,
  source: TrajectoryImages,
  dynamics: DynamicsModel,
  sae: { config: SaeConfig; weights: SaeWeights },
  table: LatentTable,
  prompts: readonly string[],
  truth: ImageAttributes | null,
  options: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<LatentLabels> {
  if (truth && truth.length !== source.N) throw new RangeError(`attributes are given for ${truth.length} images, but the trajectories hold N = ${source.N}`);
  const topImage = latentTopImages(table);
  const { topMap, imageMax } = await topImageMaps(ctx, source, dynamics, sae, topImage, { imageMaxima: truth !== null, ...options });
  const index = promptWords(prompts);
  return {
    m: table.m,
    P: source.P,
    words: Array.from({ length: table.m }, (_, k) => latentWords(prompts, table, k, LABEL_WORDS, index).map((w) => w.word)),
    attributes: truth && imageMax ? bestAttributes(imageMax, source.N, table.m, truth) : null,
    topImage,
    topMap,
  };
}
