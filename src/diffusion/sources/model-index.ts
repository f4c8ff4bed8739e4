/**
 * The list of models the app knows (public/models/index.json): the bundled
 * toy model and the public SD 1.5 exports, each pointing at its manifest.
 */

export interface ModelIndexEntry {
  readonly id: string;
  /** Shown in the model picker. */
  readonly name: string;
  /** The manifest's URL: relative entries resolve against the index's URL. */
  readonly manifestUrl: string;
  /** Ships with the app (no download, works offline). */
  readonly bundled: boolean;
  readonly precision: 'fp32' | 'fp16';
  /** Bytes to download for generation, when known (for "2.1 GB" in the picker). */
  readonly downloadBytes: number | null;
  readonly description: string;
}

/** Validates index.json fetched from `indexUrl`; messages name the entry and field. */
export function parseModelIndex(json: unknown, indexUrl: string): ModelIndexEntry[] {
  const fail = (field: string, problem: string): never => {
    throw new Error(`${indexUrl}: ${field} ${problem}`);
  };
  const models = (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) fail('models', 'must be an array of {id, name, manifest, bundled, precision}');
  return (models as unknown[]).map((raw, i) => {
    const e = (raw ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof e[k] === 'string' && e[k] !== '' ? (e[k] as string) : fail(`models[${i}].${k}`, `must be a non-empty string, got ${JSON.stringify(e[k])}`));
    if (e.precision !== 'fp32' && e.precision !== 'fp16') fail(`models[${i}].precision`, `is ${JSON.stringify(e.precision)}; should be one of: fp32, fp16`);
    if (e.downloadBytes !== undefined && !Number.isSafeInteger(e.downloadBytes)) fail(`models[${i}].downloadBytes`, `must be an integer, got ${JSON.stringify(e.downloadBytes)}`);
    return {
      id: str('id'),
      name: str('name'),
      manifestUrl: new URL(str('manifest'), indexUrl).href,
      bundled: e.bundled === true,
      precision: e.precision as 'fp32' | 'fp16',
      downloadBytes: (e.downloadBytes as number | undefined) ?? null,
      description: typeof e.description === 'string' ? e.description : '',
    };
  });
}
