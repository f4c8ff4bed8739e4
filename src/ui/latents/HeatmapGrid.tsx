import type { DecodedImage } from '../../state/project-images';
import type { LatentTable } from '../../sae/latent-table';
import { HeatmapRow } from './HeatmapRow';

/** What every heatmap grid of the latent page shares: the table and the latent's profile, one colour scale, the scrubber's step, the prompts. */
export interface HeatmapView {
  table: LatentTable;
  /** [S] ‖v_k[s]‖. */
  profile: Float32Array;
  /** The top of the colour scale. */
  max: number;
  step: number;
  onStep: (s: number) => void;
  prompts: readonly string[];
}

/** Small multiples of H_k[s, p]: a header of step buttons (they move the scrubber), then one row per image. */
export function HeatmapGrid({ testId, rowTestId, view, images, decoded, previews, maps, focused, onFocus }: {
  testId: string;
  view: HeatmapView;
  /** Prefix of each row's test ids (HeatmapRow). */
  rowTestId: string;
  images: readonly number[];
  decoded: readonly (DecodedImage | null)[];
  /** Per image its S previews (null where it has none), or null for the final image under every step. */
  previews: readonly (DecodedImage[] | null)[] | null;
  /** [images, P] f_k(n, p). */
  maps: Float32Array;
  /** The row shown on the large panel, if it is one of these. */
  focused: number | null;
  onFocus: (n: number) => void;
}) {
  const { table, profile, max, step, onStep, prompts } = view;
  const { S, P } = table;
  return (
    <div className="heatmap-grid" style={{ gridTemplateColumns: `auto repeat(${S}, 1fr)` }} data-testid={testId}>
      <span />
      {Array.from({ length: S }, (_, s) => (
        <button type="button" key={s} className={`heatmap-step link ${s === step ? 'current' : ''}`} onClick={() => onStep(s)} title={`show step ${s + 1}`}>
          step {s + 1}
        </button>
      ))}
      {images.map((n, i) => (
        <HeatmapRow
          key={n}
          n={n}
          image={decoded[i]}
          frames={previews?.[i] ?? null}
          f={maps.subarray(i * P, (i + 1) * P)}
          profile={profile}
          table={table}
          max={max}
          step={step}
          focused={focused === i}
          onFocus={() => onFocus(n)}
          prompt={prompts[n]}
          testId={rowTestId}
        />
      ))}
    </div>
  );
}
