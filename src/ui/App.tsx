import { useEffect, useState } from 'react';
import { useLab } from '../state/store';
import { AdapterPanel } from './AdapterPanel';
import { ErrorBanner } from './ErrorBanner';
import { ModelStage } from './model/ModelStage';
import { NoWebGpu } from './NoWebGpu';
import { SelfTestPanel } from './self-test/SelfTestPanel';
import { StageNav } from './StageNav';

export function App() {
  const gpu = useLab((s) => s.gpu);
  const acquireGpu = useLab((s) => s.acquireGpu);
  // The open stage lives in the URL hash, so a reload or a link reopens it.
  const [stage, setStage] = useState(() => (location.hash === '#model' ? 'model' : 'device'));
  const open = (id: string) => {
    setStage(id);
    history.replaceState(null, '', `#${id}`);
  };
  useEffect(() => {
    void acquireGpu();
  }, [acquireGpu]);

  return (
    <div className="app">
      <header className="app-header">
        <div>
          <h1>Trajectory Lab</h1>
          <p className="subtitle">Residualized temporal sparse autoencoders on diffusion activation trajectories</p>
        </div>
        {(gpu.state === 'ready' || gpu.state === 'lost') && (
          <span className="adapter-chip" data-testid="adapter-chip">
            {gpu.summary.vendor} · {gpu.summary.architecture}
            {gpu.summary.isFallbackAdapter && ' · fallback'}
          </span>
        )}
      </header>
      <ErrorBanner />
      <div className="app-body">
        <StageNav active={stage} onSelect={open} />
        <main className="content">
          {(gpu.state === 'idle' || gpu.state === 'acquiring') && <p className="muted">Requesting a WebGPU device…</p>}
          {gpu.state === 'unavailable' && <NoWebGpu reason={gpu.reason} />}
          {(gpu.state === 'ready' || gpu.state === 'lost') && stage === 'model' && <ModelStage />}
          {(gpu.state === 'ready' || gpu.state === 'lost') && stage === 'device' && (
            <>
              <AdapterPanel summary={gpu.summary} lost={gpu.state === 'lost'} />
              <SelfTestPanel contextId={gpu.contextId} deviceLost={gpu.state === 'lost'} />
            </>
          )}
        </main>
      </div>
    </div>
  );
}
