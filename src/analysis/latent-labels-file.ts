/**
 * The Latents list's labels and thumbnail maps (latent-labels.ts) as a small
 * safetensors file beside the latent statistics in the project folder:
 *
 *   top_image        U32 [m]      each latent's top image (0xffffffff: it never fired)
 *   top_map          F32 [m, P]   f_k(n, p) on that image
 *   word_index       U32 [m, W]   its enriched words, best first, as indices into
 *                                 metadata `words`; 0xffffffff pads
 *   attribute_value  U32 [m]      its best attribute value, an index into metadata
 *                                 `attribute_values` (0xffffffff: none)  } only where the
 *   attribute_auroc  F64 [m]      that value's AUROC (NaN: none)        } attributes are known
 *
 * `__metadata__`: kind = "latent-labels", words (JSON list), attribute_values
 * (JSON list, with the attribute tensors), and `source`: what the labels were
 * made from (labelSource: the statistics' top rows and the attributes), so a
 * retrained SAE's new statistics, or attributes learnt later, are seen to make
 * them stale without the files that replace the statistics knowing of them.
 */
import { SafetensorsError, SafetensorsFile, serializeSafetensors, type ByteSource, type Dtype } from '../data/safetensors';
import type { LatentTable } from '../sae/latent-table';
import type { ImageAttributes, LatentLabels } from './latent-labels';

const KIND = 'latent-labels';
const PAD = 0xffffffff;

function fail(message: string): never {
  throw new SafetensorsError(`latent labels file: ${message}`);
}

/** FNV-1a (32-bit) over bytes, continuing from `hash`. */
function fnv1a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  return hash;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** What labels are made from: the statistics' top rows (which change with the SAE) and the images' attributes, as a short fingerprint. */
export function labelSource(table: LatentTable, truth: ImageAttributes | null): string {
  const top = fnv1a(bytesOf(table.topValue), fnv1a(bytesOf(table.topToken)));
  const attributes = truth ? fnv1a(new TextEncoder().encode(JSON.stringify(truth))).toString(16) : 'none';
  return `m ${table.m} P ${table.P} top ${top.toString(16)} attributes ${attributes}`;
}

export function serializeLatentLabels(labels: LatentLabels, source: string): Blob {
  const { m, P, words, attributes, topImage, topMap } = labels;
  if (topImage.length !== m || topMap.length !== m * P || words.length !== m) fail(`m = ${m}, P = ${P} needs top_image [m], top_map [m, P] and words for m latents; got ${topImage.length}, ${topMap.length} and ${words.length}`);
  const vocabulary = [...new Set(words.flat())];
  const id = new Map(vocabulary.map((w, i) => [w, i]));
  const W = Math.max(1, ...words.map((w) => w.length));
  const wordIndex = new Uint32Array(m * W).fill(PAD);
  words.forEach((list, k) => list.forEach((w, j) => (wordIndex[k * W + j] = id.get(w)!)));
  return serializeSafetensors(
    {
      top_image: { dtype: 'U32', shape: [m], data: topImage },
      top_map: { dtype: 'F32', shape: [m, P], data: topMap },
      word_index: { dtype: 'U32', shape: [m, W], data: wordIndex },
      ...(attributes && {
        attribute_value: { dtype: 'U32', shape: [m], data: attributes.best },
        attribute_auroc: { dtype: 'F64', shape: [m], data: attributes.auroc },
      }),
    },
    { kind: KIND, source, words: JSON.stringify(vocabulary), ...(attributes && { attribute_values: JSON.stringify(attributes.values) }) },
  );
}

/** The stored labels and the `source` they were made from. */
export async function readLatentLabels(bytes: ByteSource): Promise<{ labels: LatentLabels; source: string }> {
  const file = await SafetensorsFile.open(bytes);
  const meta = file.metadata;
  if (meta.kind !== KIND) fail(`metadata kind is ${JSON.stringify(meta.kind)}, expected "${KIND}"`);
  const list = (key: string): string[] => {
    const value: unknown = JSON.parse(meta[key] ?? 'null');
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) fail(`metadata "${key}" must be a JSON list of strings`);
    return value;
  };
  const shape = (name: string, dtype: Dtype, rank: number): readonly number[] => {
    const info = file.info(name);
    if (info.dtype !== dtype || info.shape.length !== rank) fail(`${name} is ${info.dtype} [${info.shape.join(', ')}]; expected ${dtype} with ${rank} dimension${rank > 1 ? 's' : ''}`);
    return info.shape;
  };
  const [m] = shape('top_image', 'U32', 1);
  const [mapRows, P] = shape('top_map', 'F32', 2);
  const [wordRows, W] = shape('word_index', 'U32', 2);
  if (mapRows !== m || wordRows !== m) fail(`top_map has ${mapRows} rows and word_index ${wordRows}, but top_image lists m = ${m} latents`);
  const vocabulary = list('words');
  // readBytes returns fresh, zero-offset copies, so typed views over them are aligned.
  const u32 = async (name: string) => new Uint32Array((await file.readBytes(name)).buffer);
  const wordIndex = await u32('word_index');
  const bad = wordIndex.findIndex((i) => i !== PAD && i >= vocabulary.length);
  if (bad >= 0) fail(`word_index[${bad}] = ${wordIndex[bad]} is outside the ${vocabulary.length} words`);
  const words = Array.from({ length: m }, (_, k) => Array.from(wordIndex.subarray(k * W, (k + 1) * W)).filter((i) => i !== PAD).map((i) => vocabulary[i]));
  let attributes: LatentLabels['attributes'] = null;
  if (file.tensors.has('attribute_value')) {
    const values = list('attribute_values');
    if (shape('attribute_value', 'U32', 1)[0] !== m || shape('attribute_auroc', 'F64', 1)[0] !== m) fail(`attribute_value and attribute_auroc must list m = ${m} latents`);
    const best = await u32('attribute_value');
    const off = best.findIndex((i) => i !== PAD && i >= values.length);
    if (off >= 0) fail(`attribute_value[${off}] = ${best[off]} is outside the ${values.length} attribute values`);
    attributes = { values, best, auroc: new Float64Array((await file.readBytes('attribute_auroc')).buffer) };
  }
  return { labels: { m, P, words, attributes, topImage: await u32('top_image'), topMap: await file.readF32('top_map') }, source: meta.source ?? '' };
}
