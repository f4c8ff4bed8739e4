import { useMemo } from 'react';
import { latentAttributeAurocs } from '../../analysis/attribute-auroc';
import { imageActivations } from '../../state/latents-slice';
import { useLab } from '../../state/store';

export interface ShownAuroc {
  /** `attribute=value`. */
  value: string;
  auroc: number;
}

/** Attribute values shown per latent. */
const SHOWN = 5;

/**
 * The attribute values that latent k's per-image maximum activation best
 * separates from the rest, by AUROC, best first; null until the images are
 * encoded (Concept → latents), or when the prompts carry no attribute values
 * for exactly the encoded images.
 */
export function useAttributeAurocs(attributes: readonly Record<string, string>[] | undefined, latent: number): ShownAuroc[] | null {
  const activations = useLab((s) => s.imageActivationsStatus);
  return useMemo(() => {
    if (!attributes || activations.state !== 'ready') return null;
    const acts = imageActivations.get(activations.id);
    if (attributes.length !== acts.N) return null;
    return latentAttributeAurocs(acts.max, acts.N, acts.m, latent, attributes)
      .slice(0, SHOWN)
      .map((a) => ({ value: `${a.attribute}=${a.value}`, auroc: a.auroc }));
  }, [attributes, activations, latent]);
}
