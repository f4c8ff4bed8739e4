import { topImages, type LatentTable } from '../../sae/latent-table';
import { spatialSpread, temporalCentre } from './latent-columns';

/** One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The latent table as CSV: one row per latent, the columns the Latents page shows plus ‖v_k[s]‖ per step.
 * spatial_spread and fire_images are empty for statistics measured before they were kept (never a made-up number).
 */
export function latentTableCsv(table: LatentTable, prompts: readonly string[]): string {
  const header = ['latent', 'firing_rate', 'mean_activation', 'temporal_centre', 'spatial_spread', 'fire_images', ...Array.from({ length: table.S }, (_, s) => `profile_step_${s + 1}`), 'top_image', 'top_prompt'];
  const rows = Array.from({ length: table.m }, (_, k) => {
    const top = topImages(table, k)[0];
    return [k, table.firingRate[k], table.meanActivation[k], temporalCentre(table, k), spatialSpread(table, k) ?? '', table.spatial?.fireImages[k] ?? '', ...table.profile.subarray(k * table.S, (k + 1) * table.S), top ?? '', top === undefined ? '' : (prompts[top] ?? '')];
  });
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
}
