import { useState } from 'react';
import { STRENGTH_RANGES, UNIT_LABELS, type StrengthUnit } from '../../diffusion/steering-units';

/** A latent being steered: its own α, and the sign the shared strength gives it (−1 for a concept's absence latent). */
export interface SteerRow {
  latent: number;
  sign: 1 | -1;
  alpha: number;
}

/** The latents steered together, each with its own α (the shared strength sets them all, with their signs); add and remove. */
export function SteerLatentTable({ rows, unit, latents, disabled, onChange }: {
  rows: readonly SteerRow[];
  unit: StrengthUnit;
  /** The SAE's latent count (ids 0..latents − 1). */
  latents: number;
  disabled: boolean;
  onChange: (rows: SteerRow[]) => void;
}) {
  const [adding, setAdding] = useState('');
  const id = Number(adding);
  const addError = adding.trim() === '' ? null : !Number.isInteger(id) || id < 0 || id >= latents ? `a latent id is an integer in 0..${latents - 1}` : rows.some((r) => r.latent === id) ? `latent ${id} is already steered` : null;
  const add = () => {
    if (adding.trim() === '' || addError) return;
    onChange([...rows, { latent: id, sign: 1, alpha: rows[0]?.alpha ? Math.abs(rows[0].alpha) : STRENGTH_RANGES[unit].initial }]);
    setAdding('');
  };
  const range = STRENGTH_RANGES[unit];
  return (
    <div className="steer-latents">
      <table className="results" data-testid="steer-latent-table">
        <thead>
          <tr>
            <th>latent</th>
            <th>α (× {UNIT_LABELS[unit]})</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={row.latent} data-latent={row.latent} data-alpha={row.alpha} data-sign={row.sign}>
              <td>#{row.latent}</td>
              <td>
                <input
                  type="number"
                  step={range.step}
                  value={row.alpha}
                  disabled={disabled}
                  onChange={(e) => Number.isFinite(Number(e.target.value)) && onChange(rows.map((r, j) => (j === i ? { ...r, alpha: Number(e.target.value) } : r)))}
                  aria-label={`α of latent ${row.latent}`}
                  data-testid="steer-latent-alpha"
                />
              </td>
              <td>
                <button type="button" className="secondary small" onClick={() => onChange(rows.filter((_, j) => j !== i))} aria-label={`remove latent ${row.latent}`} data-testid="steer-latent-remove">
                  remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="inline">
        <input value={adding} onChange={(e) => setAdding(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && add()} placeholder="latent id" aria-label="latent to add" data-testid="steer-add-latent-id" style={{ width: 90 }} />
        <button type="button" className="secondary" disabled={adding.trim() === '' || addError !== null} onClick={add} data-testid="steer-add-latent">
          Add latent
        </button>
        {addError && <span className="error-text small">{addError}</span>}
      </div>
    </div>
  );
}
