import { useEffect, useState } from 'react';
import { TOY_MANIFEST } from '../state/example-slice';
import type { StageId } from '../state/stage-status';
import { useLab } from '../state/store';
import { AdapterPanel } from './AdapterPanel';
import { CollectStage } from './collect/CollectStage';
import { DynamicsStage } from './dynamics/DynamicsStage';
import { ErrorBanner } from './ErrorBanner';
import { ErrorBoundary } from './ErrorBoundary';
import { ModelStage } from './model/ModelStage';
import { NoWebGpu } from './NoWebGpu';
import { ProjectBar } from './projects/ProjectBar';
import { PromptDropZone } from './prompts/PromptDropZone';
import { PromptsStage } from './prompts/PromptsStage';
import { LatentsStage } from './latents/LatentsStage';
import { SaeStage } from './sae/SaeStage';
import { SteerStage } from './steer/SteerStage';
import { SelfTestPanel } from './self-test/SelfTestPanel';
import { ShortcutKeys } from './shortcuts/ShortcutKeys';
import { StageNav } from './StageNav';
import { isStageId, STAGES } from './stages';
import { ThemeToggle } from './theme/ThemeToggle';
import { Welcome } from './welcome/Welcome';

/** The stage in the URL hash, and a latent for #latents/<k> (a deep link to a latent's page). */
const stageFromHash = (): StageId => {
  const id = location.hash.slice(1).split('/')[0];
  return isStageId(id) ? id : 'model';
};
const latentFromHash = (): number | null => {
  const m = /^#latents\/(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
};

const stageTitle = (id: StageId): string => STAGES.find((s) => s.id === id)?.title ?? id;

export function App() {
  const gpu = useLab((s) => s.gpu);
  const projectsReady = useLab((s) => s.projectsReady);
  // The open stage lives in the URL hash, so a reload or a link reopens it.
  const [stage, setStage] = useState<StageId>(stageFromHash);
  const open = (id: StageId) => {
    setStage(id);
    history.replaceState(null, '', `#${id}`);
  };
  useEffect(() => {
    void useLab.getState().acquireGpu();
    useLab
      .getState()
      .loadProjects()
      .catch((e: unknown) => useLab.getState().reportError('Projects', e));
  }, []);
  const ready = gpu.state === 'ready' || gpu.state === 'lost';
  // Every start: once WebGPU is there, the embedded model loads by itself, hooked at its default block.
  useEffect(() => {
    if (gpu.state === 'ready' && useLab.getState().model.state === 'idle') useLab.getState().loadModel(TOY_MANIFEST, 'auto', 'default');
  }, [gpu.state]);
  // Once the model is ready, the fit's and training's kernels compile when the page is idle (once per device: again when a lost device's model is ready on the new one).
  const modelReady = useLab((s) => s.model.state === 'ready');
  useEffect(() => {
    if (!modelReady) return;
    const idle = requestIdleCallback(() => useLab.getState().prewarmKernels(), { timeout: 2000 });
    return () => cancelIdleCallback(idle);
  }, [modelReady]);
  // The example lands on its best latent's page (the example opened it).
  const landed = useLab((s) => (s.example.state === 'done' ? s.example : null));
  useEffect(() => {
    if (landed) setStage('latents');
  }, [landed]);

  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>Trajectory Lab</h1>
          <p className="subtitle">Residualized temporal sparse autoencoders on diffusion activation trajectories</p>
        </div>
        {projectsReady && <ProjectBar />}
        {ready && (
          <span className="adapter-chip" data-testid="adapter-chip">
            {gpu.summary.vendor} · {gpu.summary.architecture}
            {gpu.summary.isFallbackAdapter && ' · fallback'}
          </span>
        )}
        <div className="header-controls">
          <ThemeToggle />
          <ShortcutKeys />
        </div>
      </header>
      <ErrorBanner />
      <PromptDropZone onDropped={() => open('prompts')} />
      <div className="app-body">
        <StageNav active={stage} onSelect={open} />
        <main className="content">
          {(gpu.state === 'idle' || gpu.state === 'acquiring') && <p className="muted">Requesting a WebGPU device…</p>}
          {gpu.state === 'unavailable' && <NoWebGpu reason={gpu.reason} />}
          {ready && projectsReady && stage !== 'device' && (
            // One boundary per page, new for each page opened: a page that fails leaves the navigation and the other pages working.
            <ErrorBoundary key={stage} label={`${stageTitle(stage)} page`} onReset={stage === 'steer' ? () => useLab.getState().clearSteerResult() : undefined}>
              {stage === 'model' && (
                <>
                  <Welcome onOpen={open} />
                  <ModelStage />
                </>
              )}
              {stage === 'prompts' && <PromptsStage onNext={() => open('collect')} />}
              {stage === 'collect' && <CollectStage onNext={() => open('dynamics')} />}
              {stage === 'dynamics' && <DynamicsStage onNext={() => open('sae')} />}
              {stage === 'sae' && <SaeStage />}
              {stage === 'latents' && <LatentsStage initialLatent={latentFromHash()} onSteer={() => open('steer')} />}
              {stage === 'steer' && <SteerStage />}
            </ErrorBoundary>
          )}
          {ready && stage === 'device' && (
            <>
              <ErrorBoundary label="GPU adapter panel">
                <AdapterPanel summary={gpu.summary} lost={gpu.state === 'lost'} />
              </ErrorBoundary>
              <ErrorBoundary label="GPU self-test panel">
                <SelfTestPanel contextId={gpu.contextId} deviceLost={gpu.state === 'lost'} />
              </ErrorBoundary>
            </>
          )}
        </main>
      </div>
    </div>
  );
}
