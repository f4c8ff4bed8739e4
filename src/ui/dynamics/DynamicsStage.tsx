import { useEffect, useMemo, useState } from 'react';
import { DYNAMICS_VARIANTS, type DynamicsVariant } from '../../dynamics/dynamics-file';
import { currentProject } from '../../state/project-slice';
import type { DynamicsRecord } from '../../state/project-record';
import { FIT_INTERRUPTED } from '../../state/stage-status';
import { useLab } from '../../state/store';
import { D3Chart } from '../charts/D3Chart';
import { renderLineChart, type LineChartData } from '../charts/line-chart';
import { formatSeconds } from '../../data/format';
import { ExportButton } from '../projects/ArtifactButtons';
import { PrewarmLine } from '../PrewarmLine';

const VARIANT_HELP: Record<DynamicsVariant, string> = {
  full: 'A_s a full d×d ridge regression',
  diagonal: 'one coefficient per channel',
  identity: 'A_s = I: residuals are step differences',
  none: 'A_s = 0: no residualization',
};

/** Dynamics: the step-to-step linear predictors fitted on the project's trajectories, R² per transition. */
export function DynamicsStage({ onNext }: { onNext: () => void }) {
  const project = useLab(currentProject);
  const job = useLab((s) => s.fitJob);
  const interrupted = useLab((s) => !!project && s.fitInterrupted === project.id);
  const record = project?.dynamics ?? null;
  const [variant, setVariant] = useState<DynamicsVariant>(record?.variant ?? 'full');
  const [lambdaText, setLambdaText] = useState(record?.lambda === null || record === null ? 'auto' : String(record.lambda));
  const [heldout, setHeldout] = useState(record?.heldoutFraction ?? 0.1);
  const lambda = lambdaText.trim() === 'auto' ? null : Number(lambdaText);
  const lambdaError = lambda !== null && !(Number.isFinite(lambda) && lambda >= 0) ? 'λ must be "auto" or a number ≥ 0' : null;
  const heldoutError = !(heldout >= 0 && heldout < 1) ? 'the held-out share must be in [0, 1)' : null;
  const collected = project?.collect?.state === 'done';
  // Compile the fit's GPU pipelines while the researcher reads the page, not after the click.
  useEffect(() => {
    if (collected && !job) useLab.getState().prewarmFlow({ flow: 'fit', variant });
  }, [collected, job, variant, project?.collect?.at]);
  const fit = (compare: boolean) => useLab.getState().startFit({ variant, lambda, heldoutFraction: heldout, compare });

  return (
    <section className="panel" data-testid="dynamics-panel">
      <header className="panel-header">
        <h2>Linear timestep dynamics</h2>
      </header>
      <p className="muted">x_s ≈ A_s x_(s−1) + b_s, fitted by ridge regression over every token; the SAE sees what it fails to predict.</p>
      {!collected ? (
        <p className="muted">Collect trajectories first (the Collect page).</p>
      ) : (
        <>
          <div className="form-row">
            <label>
              Variant
              <select value={variant} onChange={(e) => setVariant(e.target.value as DynamicsVariant)} disabled={!!job} data-testid="dynamics-variant">
                {DYNAMICS_VARIANTS.map((v) => (
                  <option key={v} value={v}>
                    {v} — {VARIANT_HELP[v]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Ridge λ
              <input value={lambdaText} onChange={(e) => setLambdaText(e.target.value)} disabled={!!job} title='"auto": chosen on held-out images; else in units of activation variance' data-testid="dynamics-lambda" />
            </label>
            <label>
              Held-out share
              <input type="number" min={0} max={0.9} step={0.05} value={heldout} onChange={(e) => setHeldout(Number(e.target.value))} disabled={!!job} />
            </label>
            {job ? (
              <button type="button" className="secondary" onClick={() => useLab.getState().cancelFit()}>
                Cancel
              </button>
            ) : (
              <>
                <button type="button" className="primary" disabled={!!lambdaError || !!heldoutError} onClick={() => fit(false)} data-testid="fit">
                  Fit
                </button>
                <button type="button" className="secondary" disabled={!!lambdaError || !!heldoutError} onClick={() => fit(true)} data-testid="fit-compare">
                  Compare all variants
                </button>
              </>
            )}
          </div>
          {(lambdaError || heldoutError) && <p className="error-text">{lambdaError ?? heldoutError}</p>}
          {interrupted && !job && (
            <p className="error-text" data-testid="fit-interrupted">
              {FIT_INTERRUPTED}
            </p>
          )}
          <PrewarmLine flow="fit" />
          {job && (
            <div className="progress-line" data-testid="fit-progress">
              <progress value={job.fraction} max={1} />
              <span>{job.stage}</span>
            </div>
          )}
        </>
      )}
      {record && <FitResults record={record} stepIndices={project?.collect?.settings.recordCalls ?? []} onNext={onNext} />}
    </section>
  );
}

function FitResults({ record, stepIndices, onNext }: { record: DynamicsRecord; stepIndices: number[]; onNext: () => void }) {
  const chart = useMemo<LineChartData>(() => {
    const transitions = record.results[0].r2.map((_, i) => i + 1);
    return {
      xLabel: 'transition (recorded UNet call s−1 → s)',
      yLabel: 'R²',
      xTicks: transitions,
      xTick: (t) => (stepIndices.length > t ? `${stepIndices[t - 1]}→${stepIndices[t]}` : `${t}`),
      series: record.results.flatMap((r) => [
        { name: `${r.variant} train`, colorKey: r.variant, points: r.r2.map((v, i) => [i + 1, v] as const) },
        ...(r.r2Heldout ? [{ name: `${r.variant} held-out`, colorKey: r.variant, dashed: true, points: r.r2Heldout.map((v, i) => [i + 1, v] as const) }] : []),
      ]),
    };
  }, [record, stepIndices]);
  const chosen = record.results[0];
  return (
    <>
      <D3Chart render={renderLineChart} data={chart} testId="r2-chart" label="R² per transition" />
      <table className="results" data-testid="r2-table">
        <thead>
          <tr>
            <th>variant</th>
            <th className="num">λ</th>
            {chosen.r2.map((_, i) => (
              <th className="num" key={i}>
                R² {i + 1} train / held-out
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {record.results.map((r) => (
            <tr key={r.variant} data-variant={r.variant}>
              <td>{r.variant}{r === chosen && <span className="tag">saved</span>}</td>
              <td className="num">{r.variant === 'full' || r.variant === 'diagonal' ? r.lambda.toPrecision(2) : '—'}</td>
              {r.r2.map((v, i) => (
                <td className="num" key={i} data-r2={v} data-r2-heldout={r.r2Heldout?.[i]}>
                  {v.toFixed(3)} / {r.r2Heldout ? r.r2Heldout[i].toFixed(3) : '—'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="form-row">
        <span className="muted">
          Fitted in {formatSeconds(record.seconds)}; the SAE trains on the {chosen.variant} residuals.
        </span>
        <ExportButton kind="dynamics" />
        <button type="button" className="secondary" onClick={onNext}>
          Next: train the SAE →
        </button>
      </div>
    </>
  );
}
