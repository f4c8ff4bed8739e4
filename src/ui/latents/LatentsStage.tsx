import { useEffect } from 'react';
import { ErrorBoundary } from '../ErrorBoundary';
import { LATENTS_INTERRUPTED } from '../../state/latents-interrupted';
import { latentLabels, latentTables } from '../../state/latents-slice';
import { currentProject } from '../../state/project-slice';
import { useLab } from '../../state/store';
import { downloadBlob } from '../download';
import { latentTableCsv } from './latent-csv';
import { ConceptPanel } from './ConceptPanel';
import { PromptLatentsPanel } from './PromptLatentsPanel';
import { LatentDetail } from './LatentDetail';
import { LatentList } from './LatentList';

/** Latents: every latent of the project's SAE in a list; the selected one's page beside it (deep link #latents/<k>). */
export function LatentsStage({ initialLatent, onSteer }: { initialLatent: number | null; onSteer: () => void }) {
  const project = useLab(currentProject);
  const status = useLab((s) => s.latentTable);
  const labelStatus = useLab((s) => s.latentLabels);
  const selected = useLab((s) => s.selectedLatent);
  const maps = useLab((s) => s.latentMaps);
  const loading = useLab((s) => s.latentMapsLoading);
  // The example's SAE opens with the latents that best pick out an attribute value first.
  const fromExample = useLab((s) => s.example.state === 'done' && s.example.projectId === project?.id);
  const interrupted = useLab((s) => !!project && Object.values(s.latentsInterrupted).includes(project.id));
  const { loadLatentTable, selectLatent, setSteerLatents } = useLab.getState();
  useEffect(() => {
    loadLatentTable();
  }, [project?.id, project?.sae?.at, loadLatentTable]);
  const ready = status.state === 'ready' && status.projectId === project?.id;
  useEffect(() => {
    if (ready && initialLatent !== null && useLab.getState().selectedLatent === null) selectLatent(initialLatent);
  }, [ready, initialLatent, selectLatent]);

  if (!project?.sae || project.sae.state !== 'done') return <section className="panel"><p className="muted">Train an SAE first (the SAE page): its latents appear here.</p></section>;
  if (status.state === 'failed') return <section className="panel"><p className="error-text">{status.reason}</p></section>;
  if (!ready) return <section className="panel">{interrupted ? <InterruptedLine /> : <p className="muted">Reading the SAE’s latent statistics…</p>}</section>;
  const table = latentTables.get(status.tableId);
  const prompts = project.prompts?.entries.map((e) => e.prompt) ?? [];
  const labels = labelStatus.state === 'ready' && labelStatus.projectId === project.id && labelStatus.saeAt === status.saeAt ? latentLabels.get(labelStatus.id) : null;
  return (
    <>
      <section className="panel" data-testid="latents-panel">
        <header className="panel-header">
          <h2>Latents</h2>
          <span className="muted small">
            {table.m} latents · measured on {table.tokens} tokens of {table.N} images · {table.S} recorded steps
          </span>
          <button type="button" className="secondary" onClick={() => downloadBlob(new Blob([latentTableCsv(table, prompts)], { type: 'text/csv' }), `${project.name.replace(/[^\w.-]+/g, '_')}-latents.csv`)} data-testid="export-latents-csv">
            Export CSV
          </button>
        </header>
        {interrupted && <InterruptedLine />}
        <ErrorBoundary label="Latent list">
          <LatentList projectId={project.id} table={table} labels={labels} labelStatus={labelStatus} prompts={prompts} selected={selected} onSelect={selectLatent} initialSort={fromExample ? 'attribute' : 'firing'} />
        </ErrorBoundary>
      </section>
      {selected !== null && (
        <LatentDetail
          projectId={project.id}
          table={table}
          latent={selected}
          maps={maps}
          loading={loading}
          prompts={prompts}
          attributes={project.prompts?.attributes}
          onSelect={selectLatent}
          onSteer={(k) => {
            setSteerLatents([k]);
            onSteer();
          }}
        />
      )}
      <ErrorBoundary label="Prompt latents">
        <PromptLatentsPanel m={table.m} onSelect={selectLatent} />
      </ErrorBoundary>
      <ErrorBoundary label="Concept panel">
        <ConceptPanel
          table={table}
          prompts={prompts}
          attributes={project.prompts?.attributes}
          onSelect={selectLatent}
          onSteer={(latents) => {
            setSteerLatents(latents);
            onSteer();
          }}
        />
      </ErrorBoundary>
    </>
  );
}

/** A latents job a lost GPU device stopped (the table, the labels, the open latent's maps), with a way to run it again. */
function InterruptedLine() {
  return (
    <p className="error-text" data-testid="latents-interrupted">
      {LATENTS_INTERRUPTED}{' '}
      <button type="button" className="secondary" onClick={() => useLab.getState().rerunLatents()} data-testid="latents-run-again">
        Run again
      </button>
    </p>
  );
}
