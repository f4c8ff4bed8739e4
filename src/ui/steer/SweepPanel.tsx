import { useState, type ReactNode } from 'react';
import { SWEEP_WINDOWS } from '../../flows/steer-sweep';
import { STRENGTH_RANGES, UNIT_LABELS, type StrengthUnit } from '../../diffusion/steering-units';
import type { AttributeReading } from '../../diffusion/attribute-probe';
import type { SweepView } from '../../state/steer-slice';
import { ImageCanvas } from '../ImageCanvas';
import { mostMovedAttribute, VISIBLE_CHANGE } from './steer-guide';
import './steer.css';

/** Strengths per window, by default. */
const DEFAULT_COUNT = 7;

/**
 * A sweep: one click renders the steered latents at evenly spaced strengths
 * from −max to +max in the early, middle and late thirds of the UNet calls,
 * with each image's pixel change and, on a model with a probe, its reading
 * of one attribute under it; `aside` (the probe table) sits beside the strip.
 */
export function SweepPanel({ sweep, unit, disabled, onSweep, onCancel, aside }: {
  sweep: SweepView | null;
  unit: StrengthUnit;
  /** Why a sweep cannot start now, or null. */
  disabled: string | null;
  onSweep: (count: number, max: number) => void;
  onCancel: () => void;
  aside: ReactNode;
}) {
  const [count, setCount] = useState(DEFAULT_COUNT);
  const [maxText, setMaxText] = useState('');
  const max = maxText.trim() === '' ? STRENGTH_RANGES[unit].max : Number(maxText);
  const running = sweep?.state === 'running';
  const badMax = !(max > 0);
  return (
    <section className="panel" data-testid="sweep-panel" data-state={sweep?.state ?? 'none'}>
      <header className="panel-header">
        <h2>Sweep</h2>
        <span className="muted small">
          {count} strengths from −{max} to +{max} × {UNIT_LABELS[unit]} × early, middle and late calls = {count * SWEEP_WINDOWS.length} images; each re-runs only the calls from its window’s start
        </span>
      </header>
      <div className="form-row">
        <label>
          Strengths
          <input type="number" min={2} max={15} value={count} onChange={(e) => setCount(Math.max(2, Math.min(15, Math.floor(Number(e.target.value)) || 2)))} data-testid="sweep-count" style={{ width: 70 }} />
        </label>
        <label>
          Up to ± (× {UNIT_LABELS[unit]})
          <input type="number" min={0} step={STRENGTH_RANGES[unit].step} value={maxText} placeholder={String(STRENGTH_RANGES[unit].max)} onChange={(e) => setMaxText(e.target.value)} data-testid="sweep-max" style={{ width: 90 }} />
        </label>
        {running ? (
          <button type="button" className="secondary" onClick={onCancel} data-testid="sweep-cancel">
            Cancel
          </button>
        ) : (
          <button type="button" className="primary" disabled={disabled !== null || badMax} title={disabled ?? undefined} onClick={() => onSweep(count, max)} data-testid="sweep-run">
            Sweep
          </button>
        )}
      </div>
      {sweep?.state === 'running' && (
        <div className="progress-line" data-testid="sweep-progress">
          <progress value={sweep.done} max={sweep.total ?? undefined} />
          <span>
            {sweep.done} of {sweep.total ?? '…'} · {sweep.doing}
          </span>
        </div>
      )}
      {sweep?.state === 'error' && <p className="error-text" data-testid="sweep-error">{sweep.message}</p>}
      {sweep?.state === 'done' && (
        <p className="muted small" data-testid="sweep-cost" data-calls-run={sweep.callsRun} data-calls-full={sweep.fullCalls}>
          {sweep.cells.length} images in {sweep.seconds.toFixed(1)} s · {sweep.callsRun} UNet calls re-run, where as many full regenerations would run {sweep.fullCalls} ({((100 * sweep.callsRun) / sweep.fullCalls).toFixed(0)}%)
        </p>
      )}
      <div className="sweep-layout">
        {sweep && sweep.cells.length > 0 && <SweepStrip sweep={sweep} />}
        {aside}
      </div>
    </section>
  );
}

/** The images as a grid: a row per window, a column per strength, each image's reading and pixel change under it. */
function SweepStrip({ sweep }: { sweep: SweepView }) {
  const { cells, params } = sweep;
  const attributes = cells[0].reading ? Object.keys(cells[0].reading) : [];
  const [chosen, setChosen] = useState<string | null>(null);
  const attribute = chosen ?? mostMovedAttribute(cells, sweep.state === 'done' ? sweep.unsteeredReading : null);
  const strengths = [...new Set(cells.map((c) => c.strength))];
  const total = params.count * SWEEP_WINDOWS.length;
  const unit = UNIT_LABELS[params.unit];
  return (
    <div className="sweep-strip-wrap">
      {attribute && (
        <label className="small muted">
          Probe reading under each image:{' '}
          <select value={attribute} onChange={(e) => setChosen(e.target.value)} data-testid="sweep-attribute">
            {attributes.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="sweep-strip" data-testid="sweep-strip" data-images={cells.length} style={{ gridTemplateColumns: `auto repeat(${params.count}, 1fr)` }}>
        <span />
        {Array.from({ length: params.count }, (_, i) => (
          <span key={i} className="sweep-head small">
            {strengths[i] === undefined ? '' : `α ${strengths[i] > 0 ? '+' : strengths[i] < 0 ? '−' : ''}${Math.abs(strengths[i]).toFixed(2)}`}
          </span>
        ))}
        {SWEEP_WINDOWS.map((window) => {
          const row = cells.filter((c) => c.window === window);
          // The unsteered reading: its α = 0 cell (an odd count has one), else the sweep's own once done; none yet marks nothing.
          const baseline = row.find((c) => c.strength === 0)?.reading ?? (sweep.state === 'done' ? sweep.unsteeredReading : null);
          return [
            <span key={window} className="sweep-head small">
              {window}
              <br />
              {row[0] ? `calls ${row[0].calls[0]}–${row[0].calls[1] - 1}` : ''}
            </span>,
            ...Array.from({ length: params.count }, (_, i) => {
              const cell = row[i];
              if (!cell) return <span key={`${window}${i}`} className="sweep-cell pending" />;
              const reading = attribute ? cell.reading?.[attribute] : undefined;
              return (
                <figure
                  key={`${window}${i}`}
                  className={`sweep-cell ${cell.pixelChange >= VISIBLE_CHANGE ? 'visible' : ''}`}
                  data-testid="sweep-cell"
                  data-window={window}
                  data-strength={cell.strength}
                  data-pixel-change={cell.pixelChange}
                  data-reading={reading?.value ?? ''}
                  title={`${window} calls ${cell.calls[0]}–${cell.calls[1] - 1}, α ${cell.latents.map((l) => `#${l.latent} ${l.alpha.toFixed(2)}`).join(', ')} × ${unit}; ${cell.callsRun} UNet calls re-run`}
                >
                  <ImageCanvas imageId={cell.imageId} className="sweep-image" />
                  <figcaption className="small">
                    {reading && (
                      <span className={baseline && reading.value !== baseline[attribute!]?.value ? 'changed' : ''}>
                        {reading.value} {(100 * reading.probabilities[reading.value]).toFixed(0)}%
                      </span>
                    )}
                    <span className="muted">Δ {cell.pixelChange.toFixed(1)}</span>
                  </figcaption>
                </figure>
              );
            }),
          ];
        })}
      </div>
      <p className="muted small">
        {sweep.state === 'running' ? `${cells.length} of ${total} images so far · ` : ''}framed: mean change ≥ {VISIBLE_CHANGE}/255 · bold: the probe reads another value than unsteered
      </p>
    </div>
  );
}

/** The image every image of the sweep is compared with, and the probe's reading of each of its attributes. */
export function UnsteeredReading({ imageId, reading }: { imageId: string; reading: Record<string, AttributeReading> | null }) {
  return (
    <figure className="sweep-unsteered" data-testid="sweep-unsteered">
      <figcaption className="small muted">Unsteered{reading && ', as the probe reads it'}</figcaption>
      <ImageCanvas imageId={imageId} className="sweep-image" />
      {reading && (
        <table className="results" data-testid="sweep-unsteered-reading">
          <tbody>
            {Object.entries(reading).map(([attribute, r]) => (
              <tr key={attribute} data-attribute={attribute} data-value={r.value}>
                <td>{attribute}</td>
                <td>
                  {r.value} ({(100 * r.probabilities[r.value]).toFixed(0)}%)
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </figure>
  );
}
