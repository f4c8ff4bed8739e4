import { useMemo } from 'react';
import { currentProject } from '../../state/project-slice';
import { useLab } from '../../state/store';
import type { AblationRequest } from '../../worker/jobs/ablation-job';
import { D3Chart } from '../charts/D3Chart';
import { renderGroupedBars, type GroupedBarsData } from '../charts/grouped-bars';
import { formatSeconds } from '../../data/format';

type AblationSae = AblationRequest['sae'];

/**
 * The paper's ablation in one click: residualized concat (the method), plain
 * concat, residualized per step and per step, at the form's latents and L0,
 * measured on held-out images; FVU in x per step as grouped bars.
 */
export function AblationPanel({ sae, steps, disabled }: { sae: AblationSae | null; steps: number; disabled: boolean }) {
  const project = useLab(currentProject);
  const job = useLab((s) => s.ablationJob);
  const record = project?.ablation ?? null;
  const stale = record && project?.collect && record.collectAt !== project.collect.at;
  const chart = useMemo<GroupedBarsData | null>(
    () =>
      record && {
        categories: record.rows[0].fvuXPerStep.map((_, s) => `step ${s + 1}`),
        series: record.rows.map((r) => ({ name: r.arm, values: r.fvuXPerStep })),
        xLabel: 'recorded step',
        yLabel: 'held-out FVU of x',
      },
    [record],
  );
  return (
    <section className="panel" data-testid="ablation-panel">
      <header className="panel-header">
        <h2>Ablation</h2>
        {stale && <span className="status busy">stale: the trajectories changed since</span>}
      </header>
      <p className="muted">
        Four TopK SAEs with the form’s latents, k and learning rate, and the same active latents per trajectory — residualized or not, one SAE over the concatenated steps or one row per step — trained on the same images and measured on the
        same held-out ones, as the paper compares them at equal sparsity. FVU of x is comparable across arms.
      </p>
      <div className="form-row">
        {job ? (
          <>
            <div className="progress-line grow" data-testid="ablation-progress">
              <progress value={job.fraction} max={1} />
              <span>
                {job.arm || 'starting'} {job.phase !== 'starting' && `— ${job.phase === 'fit' ? 'fitting dynamics' : job.phase === 'train' ? 'training' : 'measuring'}`}
              </span>
            </div>
            <button type="button" className="secondary" onClick={() => useLab.getState().cancelAblation()}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" className="secondary" disabled={disabled || !sae} onClick={() => sae && useLab.getState().startAblation(sae, steps)} data-testid="run-ablation">
            Run the ablation ({steps} steps per arm)
          </button>
        )}
      </div>
      {record && chart && (
        <>
          <D3Chart render={renderGroupedBars} data={chart} testId="ablation-chart" label="held-out FVU of x per step and arm" />
          <table className="results" data-testid="ablation-table">
            <thead>
              <tr>
                <th>arm</th>
                <th className="num">k per row</th>
                <th className="num">FVU z</th>
                <th className="num">FVU x</th>
                <th className="num">L0 / trajectory</th>
                <th className="num">dead</th>
              </tr>
            </thead>
            <tbody>
              {record.rows.map((r) => (
                <tr key={r.arm} data-arm={r.arm}>
                  <td>{r.arm}</td>
                  <td className="num">{r.kPerRow}</td>
                  <td className="num">{(100 * r.fvuZ).toFixed(2)}%</td>
                  <td className="num" data-value={r.fvuX}>
                    {(100 * r.fvuX).toFixed(2)}%
                  </td>
                  <td className="num">{r.l0.toFixed(2)}</td>
                  <td className="num">{r.deadPercent.toFixed(1)}%</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            m = {record.latents}, k = {record.k}, {record.steps} steps per arm, {record.rows[0].tokens} held-out tokens · {formatSeconds(record.seconds)}
          </p>
        </>
      )}
    </section>
  );
}
