import { STRENGTH_RANGES, STRENGTH_UNITS, UNIT_LABELS, type StrengthUnit } from '../../diffusion/steering-units';
import { VISIBLE_CHANGE } from './steer-guide';

/** What one unit of α is, in a sentence for the page. */
const UNIT_MEANING: Record<StrengthUnit, string> = {
  norm: 'α = 1 adds a vector as long as a typical activation at this hook (the same push on every model and hook)',
  mk: 'α = 1 adds the latent’s mean contribution m_k (how visible that is differs between latents and hooks)',
};

/**
 * The unit of α, the shared strength every latent takes (with its sign),
 * and a line saying what to try: from the last sweep on this model and hook
 * when there is one, else the unit's usual range.
 */
export function StrengthControl({ unit, strength, disabled, visible, onUnit, onStrength }: {
  unit: StrengthUnit;
  strength: number;
  disabled: boolean;
  /** The smallest strength a sweep here changed the image visibly at (null: none yet, or none visible). */
  visible: { strength: number; window: string } | 'none' | null;
  onUnit: (unit: StrengthUnit) => void;
  onStrength: (strength: number) => void;
}) {
  const range = STRENGTH_RANGES[unit];
  return (
    <>
      <label>
        Unit of α
        <select value={unit} onChange={(e) => onUnit(e.target.value as StrengthUnit)} data-testid="steer-unit">
          {STRENGTH_UNITS.map((u) => (
            <option key={u} value={u}>
              × {UNIT_LABELS[u]}
            </option>
          ))}
        </select>
      </label>
      <label className="grow">
        <span data-testid="steer-alpha-label">
          Strength α = {strength.toFixed(unit === 'norm' ? 2 : 1)} × {UNIT_LABELS[unit]} {disabled && '(unused when ablating)'}
        </span>
        <input type="range" min={-range.max} max={range.max} step={range.step} value={strength} onChange={(e) => onStrength(Number(e.target.value))} disabled={disabled} data-testid="steer-alpha" />
        <span className="muted small" data-testid="steer-guide">
          {guide(unit, visible)}
        </span>
      </label>
    </>
  );
}

function guide(unit: StrengthUnit, visible: { strength: number; window: string } | 'none' | null): string {
  const max = STRENGTH_RANGES[unit].max;
  if (visible === 'none') return `The last sweep (up to ±${max}) changed no image visibly (${VISIBLE_CHANGE}/255): try a larger range, more latents or an earlier window. ${UNIT_MEANING[unit]}.`;
  if (visible) return `On this model and hook a visible change (mean ${VISIBLE_CHANGE}/255) starts near α ≈ ${visible.strength.toPrecision(2)} × ${UNIT_LABELS[unit]} (${visible.window} calls, last sweep).`;
  return unit === 'norm' ? `Try 2 to ${max}: ${UNIT_MEANING[unit]}. A sweep shows where a change becomes visible here.` : `${UNIT_MEANING[unit]}. A sweep shows where a change becomes visible here.`;
}
