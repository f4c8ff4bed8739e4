import { encodePng } from '../../data/png';
import { images } from '../../state/model-slice';
import type { SteerParams } from '../../state/steer-slice';
import { downloadBlob } from '../download';

/** Both images as PNGs, named after the prompt, seed and the steering. */
export async function exportPair(unsteeredId: string, steeredId: string, params: SteerParams): Promise<void> {
  const base = `${params.prompt.replace(/[^\w]+/g, '_').slice(0, 40)}-seed${params.seed}`;
  const how = params.ablate ? 'ablate' : `alpha${params.latents.map((l) => l.alpha).join(',')}${params.unit ?? 'mk'}`;
  for (const [id, name] of [[unsteeredId, `${base}-unsteered.png`], [steeredId, `${base}-latents${params.latents.map((l) => l.latent).join('+')}-${how}.png`]] as const) {
    const image = images.get(id);
    downloadBlob(new Blob([(await encodePng({ width: image.width, height: image.height, data: image.rgba })) as Uint8Array<ArrayBuffer>], { type: 'image/png' }), name);
  }
}

