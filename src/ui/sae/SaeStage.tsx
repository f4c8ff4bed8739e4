import { useEffect, useMemo, useState } from 'react';
import { SAE_ACTIVATIONS, type SaeConfig } from '../../sae/sae-config';
import { SAE_FORM_DEFAULTS, saeFormConfig, saeFormRequest, type SaeForm } from '../../state/sae-form';
import { currentProject } from '../../state/project-slice';
import type { SaeRecord } from '../../state/project-record';
import type { SaeEvaluation } from '../../sae/sae-evaluation';
import { useLab } from '../../state/store';
import { D3Chart } from '../charts/D3Chart';
import { renderLineChart, type LineChartData } from '../charts/line-chart';
import { formatBytes, formatSeconds } from '../../data/format';
import { trainFootprint } from '../../flows/job-footprint';
import { ExportButton } from '../projects/ArtifactButtons';
import { AblationPanel } from './AblationPanel';
import { PrewarmLine } from '../PrewarmLine';
import { useStorageLeft } from '../useStorageLeft';

/** Every field the form edits, its label and what it takes. */
const FIELDS: { key: Exclude<keyof SaeForm, 'activation'>; label: string; step?: number }[] = [
  { key: 'latents', label: 'Latents m' },
  { key: 'k', label: 'k (active per token)' },
  { key: 'steps', label: 'Steps' },
  { key: 'batchSize', label: 'Batch (tokens)' },
  { key: 'lr', label: 'Learning rate', step: 1e-4 },
  { key: 'l1Coefficient', label: 'L1 (relu only)', step: 1e-4 },
  { key: 'seed', label: 'Seed' },
  { key: 'metricsEvery', label: 'Metrics every' },
];

/** The config a form asks for, or the validation's message naming every bad field. */
function configOf(form: SaeForm, dIn: number): { config: SaeConfig } | { error: string } {
  if (!(Number.isInteger(form.steps) && form.steps >= 1)) return { error: `steps = ${form.steps}, but it must be an integer ≥ 1` };
  try {
    return { config: saeFormConfig(form, dIn) };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** SAE: the residualized temporal SAE's config, training with live curves, pause / resume / stop. */
export function SaeStage() {
  const project = useLab(currentProject);
  const job = useLab((s) => s.trainJob);
  const record = project?.sae ?? null;
  const collect = project?.collect;
  const dIn = collect ? collect.settings.recordCalls.length * collect.settings.channels : 0;
  const [form, setForm] = useState<SaeForm>(() => initialForm(record));
  const resolved = configOf(form, dIn);
  const ready = !!project?.dynamics;
  const set = (key: keyof SaeForm, value: number | string) => setForm((f) => ({ ...f, [key]: value }));
  const start = (resume: boolean) => {
    if (resume && record) useLab.getState().startTraining({ config: record.config, steps: record.steps, checkpointEvery: record.checkpointEvery }, true);
    else if ('config' in resolved) useLab.getState().startTraining(saeFormRequest(form, dIn), false);
  };
  const canResume = !job && record && record.state === 'paused';
  // Compile the training step's pipelines for this config while the page is open, not after the click.
  const config = 'config' in resolved ? resolved.config : null;
  const configKey = config ? JSON.stringify(config) : null;
  // What the run needs of this GPU and of browser storage, said before it starts.
  const limits = useLab((s) => (s.gpu.state === 'ready' ? s.gpu.summary.limits : null));
  const space = useStorageLeft(job);
  const footprint = config && collect && limits ? trainFootprint(config, { S: collect.settings.recordCalls.length, d: collect.settings.channels }, limits, { left: space?.left ?? null }) : null;
  useEffect(() => {
    if (ready && !job && config) useLab.getState().prewarmFlow({ flow: 'train', config });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ready, job, configKey]);

  return (
    <>
      <section className="panel" data-testid="sae-panel">
        <header className="panel-header">
          <h2>Residualized temporal SAE</h2>
        </header>
        {!ready ? (
          <p className="muted">Fit the dynamics first (the Dynamics page).</p>
        ) : (
          <>
            <p className="muted">
              Input z: the first recorded step and the residuals of the next {collect!.settings.recordCalls.length - 1}, each block normalised — {dIn} values per token.
            </p>
            <div className="form-row">
              <label>
                Activation
                <select value={form.activation} onChange={(e) => set('activation', e.target.value)} disabled={!!job} data-testid="sae-activation">
                  {SAE_ACTIVATIONS.map((a) => (
                    <option key={a} value={a}>
                      {a === 'batchtopk' ? 'BatchTopK' : a === 'topk' ? 'TopK' : 'ReLU + L1'}
                    </option>
                  ))}
                </select>
              </label>
              {FIELDS.map((f) => (
                <label key={f.key}>
                  {f.label}
                  <input type="number" step={f.step ?? 1} value={form[f.key]} onChange={(e) => set(f.key, Number(e.target.value))} disabled={!!job} data-testid={`sae-${f.key}`} />
                </label>
              ))}
            </div>
            <PrewarmLine flow="train" />
            {footprint && (
              <p className="muted small" data-testid="sae-footprint">
                Needs about {formatBytes(footprint.gpuBytes)} of GPU memory and {formatBytes(footprint.storageBytes)} of browser storage.
              </p>
            )}
            {footprint?.problems.map((problem) => (
              <p className="error-text" key={problem} data-testid="sae-too-big">
                {problem}
              </p>
            ))}
            {'error' in resolved && (
              <p className="error-text" data-testid="sae-config-error">
                {resolved.error}
              </p>
            )}
            <div className="form-row">
              {job ? (
                <>
                  <button type="button" className="secondary" disabled={job.stopping} onClick={() => useLab.getState().stopTraining('pause')} data-testid="pause-training">
                    Pause
                  </button>
                  <button type="button" className="secondary" disabled={job.stopping} onClick={() => useLab.getState().stopTraining('finish')} data-testid="stop-training">
                    Stop and keep the SAE
                  </button>
                  {job.stopping && <span className="muted">finishing the current step…</span>}
                </>
              ) : (
                <>
                  {canResume && (
                    <button type="button" className="primary" onClick={() => start(true)} data-testid="resume-training">
                      Resume from step {record.step}
                    </button>
                  )}
                  <button type="button" className={canResume ? 'secondary' : 'primary'} disabled={'error' in resolved || !!footprint?.problems.length} onClick={() => start(false)} data-testid="train">
                    {record ? 'Train a new SAE' : 'Train'}
                  </button>
                  {record?.state === 'done' && <ExportButton kind="sae" />}
                </>
              )}
            </div>
            {record?.reason && (record.state === 'failed' || record.state === 'paused') && (
              <p className="error-text" data-testid="training-reason">
                {record.reason}
              </p>
            )}
          </>
        )}
      </section>
      {record?.evaluation && <EvaluationPanel evaluation={record.evaluation} denseFraction={record.config.denseFraction} />}
      {record && <TrainingCurves record={record} />}
      {project?.collect?.state === 'done' && (
        <AblationPanel
          sae={'config' in resolved ? { latents: form.latents, k: form.k, batchSize: form.batchSize, lr: form.lr, seed: form.seed, activation: 'topk' } : null}
          steps={form.steps}
          disabled={!!job}
        />
      )}
    </>
  );
}

function initialForm(record: SaeRecord | null): SaeForm {
  if (record) {
    const c = record.config;
    return { activation: c.activation, latents: c.latents, k: c.k, steps: record.steps, batchSize: c.batchSize, lr: c.lr, l1Coefficient: c.l1Coefficient, seed: c.seed, metricsEvery: c.metricsEvery };
  }
  return SAE_FORM_DEFAULTS;
}

/** The live curves: loss, FVU (z), L0, dead %, AuxK loss against the step. */
function TrainingCurves({ record }: { record: SaeRecord }) {
  const charts = useMemo(() => {
    const h = record.history;
    const chart = (name: string, yLabel: string, value: (m: SaeRecord['history'][number]) => number): LineChartData => ({
      xLabel: 'step',
      yLabel,
      dots: false,
      series: [{ name, points: h.map((m) => [m.step, value(m)] as const) }],
    });
    return [
      { id: 'loss', data: chart('loss', 'loss', (m) => m.loss) },
      { id: 'fvu', data: chart('FVU (z)', 'FVU', (m) => m.fvu) },
      { id: 'l0', data: chart('L0', 'active latents / token', (m) => m.l0) },
      { id: 'dead', data: chart('dead %', '% latents', (m) => 100 * m.deadFraction) },
      { id: 'auxk', data: chart('AuxK loss', 'AuxK', (m) => m.auxKLoss) },
    ];
  }, [record.history]);
  const last = record.history.at(-1);
  const activity = useLab((s) => s.trainJob?.activity ?? null);
  return (
    <section className="panel" data-testid="training-panel">
      <header className="panel-header">
        <h2>Training</h2>
        <span className={`status ${record.state === 'done' ? 'good' : record.state === 'failed' ? 'bad' : 'busy'}`} data-testid="training-state">
          {record.state}
        </span>
      </header>
      <div className="progress-line">
        <progress value={record.step} max={record.steps} />
        <span data-testid="training-summary">
          step {record.step} of {record.steps} · {formatSeconds(record.seconds)}
          {last && ` · loss ${last.loss.toPrecision(4)} · FVU ${last.fvu.toPrecision(4)} · L0 ${last.l0.toFixed(2)} · dead ${(100 * last.deadFraction).toFixed(1)}%`}
        </span>
      </div>
      {activity && (
        <p className="muted small" data-testid="training-activity">
          {activity}
        </p>
      )}
      <div className="chart-grid">
        {charts.map((c) => (
          <D3Chart key={c.id} render={renderLineChart} data={c.data} testId={`curve-${c.id}`} label={c.id} />
        ))}
      </div>
    </section>
  );
}

/** The finished SAE on every token: FVU in z and in x (through the inverse residualization), per step, L0, dead and dense latents. */
function EvaluationPanel({ evaluation: e, denseFraction }: { evaluation: SaeEvaluation; denseFraction: number }) {
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  return (
    <section className="panel" data-testid="evaluation-panel">
      <header className="panel-header">
        <h2>Evaluation</h2>
        <span className="muted small">on all {e.tokens} tokens</span>
      </header>
      <table className="results" data-testid="evaluation-table">
        <thead>
          <tr>
            <th />
            <th className="num">all steps</th>
            {e.fvuZPerStep.map((_, s) => (
              <th className="num" key={s}>
                step {s + 1}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>FVU of z (the SAE’s input)</td>
            <td className="num" data-testid="eval-fvu-z" data-value={e.fvuZ}>
              {pct(e.fvuZ)}
            </td>
            {e.fvuZPerStep.map((v, s) => (
              <td className="num" key={s} data-value={v}>
                {pct(v)}
              </td>
            ))}
          </tr>
          <tr>
            <td>FVU of x (activations)</td>
            <td className="num" data-testid="eval-fvu-x" data-value={e.fvuX}>
              {pct(e.fvuX)}
            </td>
            {e.fvuXPerStep.map((v, s) => (
              <td className="num" key={s} data-value={v}>
                {pct(v)}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      <dl className="facts">
        <dt>L0</dt>
        <dd data-testid="eval-l0" data-value={e.l0}>
          {e.l0.toFixed(2)} active latents per token
        </dd>
        <dt>Dead / dense</dt>
        <dd data-testid="eval-dead" data-value={e.deadPercent}>
          {e.deadPercent.toFixed(1)}% never fire · {e.densePercent.toFixed(1)}% fire on more than {100 * denseFraction}% of tokens
        </dd>
      </dl>
    </section>
  );
}
