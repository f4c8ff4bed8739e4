/**
 * What a load checks before the large files are fetched, in order:
 *  1. the guard (model-fit.ts) on the manifest alone: provider, adapter,
 *     storage — before any byte of the model is downloaded;
 *  2. the small files: tokenizer, scheduler config and, for an
 *     external-data UNet, its graph (a few MB);
 *  3. that graph's external-data `location`s against the manifest's (ORT
 *     matches weights by that string: a mismatch fails only after the
 *     1.7 GB download), and its largest initializer against the adapter's
 *     buffer limits, read from dims without the weights.
 * loadDiffusionModel then reads the large files; the small ones come from
 * the cache.
 */
import { externalDataOf } from './manifest';
import { ModelFitError, modelFitProblems, type FitInput } from './model-fit';
import { ModelContractError } from './ort-runtime';
import { externalLocations, splitModel } from './onnx/graph-bytes';
import { largestInitializer } from './onnx/initializer-refs';
import type { ModelFiles } from './sources/model-files';

export type PreflightInput = Omit<FitInput, 'manifest' | 'fileBytes' | 'largestInitializer'>;

/** Throws ModelFitError when the model cannot run as asked, ModelContractError when its graph names other weights than the manifest. */
export async function preflightModel(files: ModelFiles, input: PreflightInput): Promise<void> {
  const { manifest } = files;
  const sizes = new Map<string, number | null>();
  for (const path of Object.keys(manifest.files)) sizes.set(path, await files.size(path));
  const fit = (largest?: FitInput['largestInitializer']) => {
    const problems = modelFitProblems({ ...input, manifest, fileBytes: (p) => sizes.get(p) ?? null, largestInitializer: largest });
    if (problems.length > 0) throw new ModelFitError(problems);
  };
  fit();

  await files.read(manifest.tokenizer);
  await files.read(manifest.scheduler);
  const data = externalDataOf(manifest.unet);
  if (data.length === 0) return;
  const graph = splitModel(await files.read(manifest.unet.file), `${manifest.name} UNet`);
  // ORT drops a leading "./" when it matches a location to the data passed in.
  const named = new Set([...externalLocations(graph)].map((l) => l.replace(/^\.\//, '')));
  const listed = new Set(data.map((e) => e.location));
  const unlisted = [...named].filter((l) => !listed.has(l));
  const unused = [...listed].filter((l) => !named.has(l));
  if (unlisted.length > 0 || unused.length > 0) {
    throw new ModelContractError(
      `${manifest.name}: the UNet graph ${manifest.unet.file} keeps its weights in ${[...named].map((l) => `"${l}"`).join(', ') || 'no external file'}, the manifest lists ${[...listed].map((l) => `"${l}"`).join(', ')}` +
        `${unlisted.length ? `; not listed: ${unlisted.join(', ')}` : ''}${unused.length ? `; not used: ${unused.join(', ')}` : ''}. Make the manifest's unet.externalData location(s) the graph's, before downloading the weights`,
    );
  }
  fit(largestInitializer(graph));
}
