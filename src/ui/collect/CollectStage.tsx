import { useEffect, useMemo, useState } from 'react';
import type { ActivationDtype } from '../../data/trajectory-file';
import { createScheduler, SCHEDULER_NAMES, type SchedulerName } from '../../diffusion/schedulers';
import { evenlySpreadCalls } from '../../flows/collect-trajectories';
import { collectFootprint } from '../../flows/job-footprint';
import { collectSettings, DEFAULT_RECORDED_STEPS } from '../../state/collect-settings';
import { currentProject } from '../../state/project-slice';
import { collectActivity } from '../../state/collect-slice';
import { useLab } from '../../state/store';
import { formatBytes, formatSeconds } from '../../data/format';
import { ImageCanvas } from '../ImageCanvas';
import { NeedsModel } from '../model/ModelLoadProgress';
import { ExportButton } from '../projects/ArtifactButtons';
import { useStorageLeft } from '../useStorageLeft';

const NO_MODEL = 'Load a model on the Model page first.';

/** Collect: the recording settings, then every prompt generated with the block's activations saved at S steps. */
export function CollectStage({ onNext }: { onNext: () => void }) {
  const model = useLab((s) => s.model);
  const project = useLab(currentProject);
  const job = useLab((s) => s.collectJob);
  const thumbnails = useLab((s) => s.thumbnails);
  const info = model.state === 'ready' ? model.info : null;
  const record = project?.collect ?? null;

  const [scheduler, setScheduler] = useState<SchedulerName>(info?.sampler.scheduler ?? 'ddim');
  const [steps, setSteps] = useState(info?.sampler.steps ?? 25);
  const [guidance, setGuidance] = useState(info?.sampler.guidance ?? 5);
  const [S, setS] = useState(DEFAULT_RECORDED_STEPS);
  const [dtype, setDtype] = useState<ActivationDtype>('F16');
  const [fixedSeed, setFixedSeed] = useState<number | null>(null);
  const space = useStorageLeft(job?.done);

  useEffect(() => {
    void useLab.getState().loadThumbnails();
  }, [project?.id]);

  const calls = useMemo(() => (info ? createScheduler(scheduler, info.schedulerConfig, steps).timesteps : []), [info, scheduler, steps]);
  let recordCalls: number[] = [];
  let settingsError: string | null = null;
  try {
    recordCalls = evenlySpreadCalls(calls.length, S);
  } catch (e) {
    settingsError = (e as Error).message;
  }
  const hook = info?.hooks.find((h) => h.path === info.hook);
  const N = project?.prompts?.entries.length ?? 0;
  // "Collect again" replaces this project's file, so its bytes count as free.
  const footprint = hook ? collectFootprint({ N, S, P: hook.height * hook.width, d: hook.channels, dtype }, { left: space?.left ?? null, replacedBytes: record?.bytes ?? 0 }) : null;
  const bytesNeeded = footprint?.storageBytes ?? 0;

  const missing = !info ? NO_MODEL : !info.hook ? 'The model is loaded without a hook: pick a block on the Model page.' : N === 0 ? 'Choose a prompt set on the Prompts page first.' : null;
  const resumable = record && (record.state === 'interrupted' || record.state === 'running') && !job;
  const resumeMismatch = resumable && model.state === 'ready' && info && (record.settings.manifestUrl !== model.manifestUrl || record.settings.hook !== info.hook) ? `This collection was recorded with ${record.settings.model} hooked at ${record.settings.hook}; load that to resume it.` : null;
  const settings = () => collectSettings(model as Extract<typeof model, { state: 'ready' }>, { sampler: { scheduler, steps, guidance }, recordCalls, dtype, fixedSeed });

  return (
    <>
      <section className="panel" data-testid="collect-panel">
        <header className="panel-header">
          <h2>Collect trajectories</h2>
          {record && <span className={`status ${record.state === 'done' ? 'good' : record.state === 'failed' ? 'bad' : 'busy'}`} data-testid="collect-status">{job ? 'running' : record.state}</span>}
        </header>
        {missing === NO_MODEL ? (
          <NeedsModel instruction={NO_MODEL} />
        ) : missing ? (
          <p className="muted">{missing}</p>
        ) : (
          <>
            <div className="form-row">
              <label>
                Sampler
                <select value={scheduler} onChange={(e) => setScheduler(e.target.value as SchedulerName)} disabled={!!job}>
                  {SCHEDULER_NAMES.map((n) => (
                    <option key={n}>{n}</option>
                  ))}
                </select>
              </label>
              <label>
                Steps
                <input type="number" min={2} max={200} value={steps} onChange={(e) => setSteps(Math.max(2, Math.floor(Number(e.target.value))))} disabled={!!job} data-testid="collect-steps" />
              </label>
              <label>
                Guidance
                <input type="number" min={1} step={0.5} value={guidance} onChange={(e) => setGuidance(Number(e.target.value))} disabled={!!job} />
              </label>
              <label>
                Recorded steps S
                <input type="number" min={1} max={calls.length} value={S} onChange={(e) => setS(Math.max(1, Math.floor(Number(e.target.value))))} disabled={!!job} data-testid="collect-S" />
              </label>
              <label>
                Stored as
                <select value={dtype} onChange={(e) => setDtype(e.target.value as ActivationDtype)} disabled={!!job}>
                  <option value="F16">float16</option>
                  <option value="F32">float32</option>
                </select>
              </label>
            </div>
            <dl className="facts">
              <dt>Block</dt>
              <dd>
                <code>{info!.hook}</code> — {hook?.channels} channels × {hook?.height}×{hook?.width} positions
              </dd>
              <dt>Recorded UNet calls</dt>
              <dd data-testid="collect-calls">
                {settingsError ?? `${recordCalls.join(', ')} of 0–${calls.length - 1} (timesteps ${recordCalls.map((c) => calls[c]).join(', ')})`}
              </dd>
              <dt>Seeds</dt>
              <dd className="inline">
                <select value={fixedSeed === null ? 'own' : 'fixed'} onChange={(e) => setFixedSeed(e.target.value === 'own' ? null : 0)} disabled={!!job} data-testid="seed-policy">
                  <option value="own">each prompt’s own (from the file, else its number)</option>
                  <option value="fixed">one seed for every prompt</option>
                </select>
                {fixedSeed !== null && <input type="number" min={0} value={fixedSeed} onChange={(e) => setFixedSeed(Math.max(0, Math.floor(Number(e.target.value))))} disabled={!!job} aria-label="seed" />}
              </dd>
              <dt>Size</dt>
              <dd data-testid="collect-size">
                {N} images × {S} steps → {formatBytes(bytesNeeded)}
                {space && <span className="muted"> · {formatBytes(space.left)} of browser storage left</span>}
              </dd>
            </dl>
            {footprint?.problems.map((problem) => (
              <p className="error-text" key={problem} data-testid="collect-too-big">
                {problem}
              </p>
            ))}
            <div className="form-row">
              {job ? (
                <button type="button" className="secondary" onClick={() => useLab.getState().cancelCollect()} data-testid="cancel-collect">
                  Cancel
                </button>
              ) : (
                <>
                  {resumable && (
                    <button type="button" className="primary" disabled={!!resumeMismatch} onClick={() => useLab.getState().startCollect(record.settings, true)} data-testid="resume-collect">
                      Resume ({record.done} of {record.total} images in)
                    </button>
                  )}
                  <button
                    type="button"
                    className={resumable ? 'secondary' : 'primary'}
                    disabled={!!settingsError || !!footprint?.problems.length}
                    onClick={() => {
                      if (!record || confirm('Replace this project’s trajectories (and the dynamics and SAE fitted on them)?')) useLab.getState().startCollect(settings(), false);
                    }}
                    data-testid="start-collect"
                  >
                    {record ? 'Collect again' : 'Collect'}
                  </button>
                  {record?.state === 'done' && (
                    <>
                      <ExportButton kind="trajectories" />
                      <button type="button" className="secondary" onClick={onNext}>
                        Next: fit the dynamics →
                      </button>
                    </>
                  )}
                </>
              )}
            </div>
            {resumeMismatch && <p className="error-text">{resumeMismatch}</p>}
            {record?.reason && (record.state === 'failed' || record.state === 'interrupted') && (
              <p className="error-text" data-testid="collect-reason">
                {record.reason}
              </p>
            )}
          </>
        )}
        {job && <CollectProgressLine />}
        {!job && record && (
          <p className="muted" data-testid="collect-summary">
            {record.done} of {record.total} images · {formatBytes(record.bytes)} · {formatSeconds(record.seconds)} · {record.settings.model}, <code>{record.settings.hook}</code>, {record.settings.sampler.scheduler} {record.settings.sampler.steps} steps, calls {record.settings.recordCalls.join(', ')}
          </p>
        )}
      </section>
      {(thumbnails.length > 0 || job) && (
        <section className="panel">
          <header className="panel-header">
            <h2>Images</h2>
            <span className="muted small">the most recent {thumbnails.length}</span>
          </header>
          <div className="thumbnails" data-testid="thumbnails">
            {job?.previewId && (
              <figure className="thumbnail current">
                <ImageCanvas imageId={job.previewId} testId="collect-preview" />
                <figcaption>
                  #{job.image} · call {job.call}/{job.calls}
                </figcaption>
              </figure>
            )}
            {[...thumbnails].reverse().map((t) => (
              <figure className="thumbnail" key={t.imageId}>
                <ImageCanvas imageId={t.imageId} title={project?.prompts?.entries[t.index]?.prompt} />
                <figcaption>#{t.index}</figcaption>
              </figure>
            ))}
          </div>
        </section>
      )}
    </>
  );
}

function CollectProgressLine() {
  const job = useLab((s) => s.collectJob);
  const modelLoading = useLab((s) => s.model.state === 'loading');
  if (!job) return null;
  const current = collectActivity(job, modelLoading);
  return (
    <div className="progress-line" data-testid="collect-progress">
      <progress value={job.done} max={job.total} />
      <span>
        <span data-testid="collect-activity">{current}</span> · {job.done} of {job.total} images done
        {job.imagesPerSecond > 0 && ` · ${job.imagesPerSecond.toFixed(2)} images/s`}
        {job.etaSeconds !== null && job.done < job.total && ` · ${formatSeconds(job.etaSeconds)} left`}
      </span>
    </div>
  );
}
