import { useEffect, useState } from 'react';
import { useLab } from '../../state/store';
import { readWasmThreadsSetting, saveWasmThreadsSetting, WASM_THREAD_CHOICES, type WasmThreadsSetting } from '../../state/wasm-threads-setting';
import type { LoadedModelInfo, ProviderChoice } from '../../worker/jobs/load-job';
import { formatBytes } from '../../data/format';
import { ImageCanvas } from '../ImageCanvas';
import { ModelLoadProgress } from './ModelLoadProgress';

/** Models the lab knows, from public/models/index.json (the bundled toy model first); manifests relative to models/. */
interface KnownModel {
  id: string;
  name: string;
  manifest: string;
  downloadBytes?: number;
  bundled?: boolean;
  description?: string;
}

const TOY: KnownModel = { id: 'toy', name: 'Toy SD (bundled)', manifest: 'toy/manifest.json', bundled: true };
const manifestUrl = (m: KnownModel) => `models/${m.manifest}`;

function useKnownModels(): KnownModel[] {
  const [models, setModels] = useState<KnownModel[]>([TOY]);
  useEffect(() => {
    fetch('models/index.json')
      .then((r) => (r.ok ? r.json() : null))
      .then((list: { models?: KnownModel[] } | null) => {
        if (list?.models?.length) setModels(list.models);
      })
      .catch(() => {});
  }, []);
  return models;
}

/** The Model stage: which model runs, on which execution provider, and a generation to see it work. */
export function ModelStage() {
  const models = useKnownModels();
  const status = useLab((s) => s.model);
  const loadModel = useLab((s) => s.loadModel);
  const [choice, setChoice] = useState('toy');
  const [provider, setProvider] = useState<ProviderChoice>('auto');
  const selected = models.find((m) => m.id === choice) ?? models[0];
  const busy = status.state === 'loading';

  return (
    <>
      <section className="panel" data-testid="model-panel">
        <header className="panel-header">
          <h2>Model</h2>
          <ModelVerdict />
        </header>
        <div className="form-row">
          <label>
            Model
            <select value={choice} onChange={(e) => setChoice(e.target.value)} disabled={busy} data-testid="model-choice">
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                  {m.downloadBytes ? ` — ${formatBytes(m.downloadBytes)} download` : ''}
                </option>
              ))}
            </select>
          </label>
          <label>
            Execution provider
            <select value={provider} onChange={(e) => setProvider(e.target.value as ProviderChoice)} disabled={busy} data-testid="provider-choice">
              <option value="auto">Auto (WebGPU on a GPU, wasm on a CPU fallback)</option>
              <option value="webgpu">WebGPU</option>
              <option value="wasm">wasm (CPU)</option>
            </select>
          </label>
          <WasmThreadsChoice running={status.state === 'ready' ? status.info.wasmThreads.threads : null} />
          {busy ? (
            <button type="button" className="secondary" onClick={() => useLab.getState().cancelLoad()} data-testid="cancel-load">
              Cancel
            </button>
          ) : (
            <button type="button" className="primary" onClick={() => loadModel(manifestUrl(selected), provider, 'default')} data-testid="load-model">
              Load
            </button>
          )}
        </div>
        {selected.description && <p className="muted">{selected.description}</p>}
        <CacheLine url={manifestUrl(selected)} loading={busy} />
        {status.state === 'loading' && <ModelLoadProgress progress={status.progress} />}
        {status.state === 'failed' && <p className="error-text" data-testid="model-error">{status.reason}</p>}
        {status.state === 'ready' && (
          <dl className="facts" data-testid="model-facts">
            <dt>Name</dt>
            <dd data-testid="model-name">{status.info.name}</dd>
            <dt>Provider</dt>
            <dd data-testid="model-provider">
              {status.info.provider} <span className="muted">({status.info.providerReason})</span>
            </dd>
            <dt>Wasm threads</dt>
            <dd data-testid="model-wasm-threads" data-threads={status.info.wasmThreads.threads}>
              {status.info.wasmThreads.threads} <span className="muted">({status.info.wasmThreads.reason})</span>
            </dd>
            <dt>Image</dt>
            <dd>
              {status.info.imageSize} × {status.info.imageSize} px
            </dd>
            <dt>Hooked block</dt>
            <dd>
              {status.info.hookRefusal ? (
                <HookRefusal reason={status.info.hookRefusal} />
              ) : (
                <HookPicker info={status.info} onPick={(hook) => loadModel(status.manifestUrl, provider, hook)} />
              )}
            </dd>
            <dt>Sampler</dt>
            <dd>
              {status.info.sampler.scheduler}, {status.info.sampler.steps} steps, guidance {status.info.sampler.guidance}
            </dd>
            <dt>Loaded in</dt>
            <dd>{status.info.seconds.toFixed(1)} s</dd>
          </dl>
        )}
      </section>
      {status.state === 'ready' && <GeneratePanel />}
    </>
  );
}

/** The UNet blocks the manifest lists, with their shapes, the default marked; picking one re-hooks the model (a reload of its sessions). */
function HookPicker({ info, onPick }: { info: LoadedModelInfo; onPick: (hook: string) => void }) {
  if (info.hooks.length === 0) return <code>{info.hook ?? 'none'}</code>;
  return (
    <select value={info.hook ?? ''} onChange={(e) => onPick(e.target.value)} data-testid="hook-choice">
      {info.hooks.map((h) => (
        <option key={h.path} value={h.path}>
          {h.path} — {h.channels} ch × {h.height}×{h.width}
          {h.default ? ' (default)' : ''}
        </option>
      ))}
    </select>
  );
}

/** A model whose graph refused every hook: loaded unhooked, so it generates, and why nothing can be collected or steered from it. */
function HookRefusal({ reason }: { reason: string }) {
  return (
    <span data-testid="hook-refusal">
      <code>none</code>{' '}
      <span className="error-text">
        — no block can be hooked, so this model generates images but cannot collect or steer. {reason}
      </span>
    </span>
  );
}

/** Whether the selected model's files are in the browser's cache already (a load then reads them from disk). */
function CacheLine({ url, loading }: { url: string; loading: boolean }) {
  const status = useLab((s) => s.modelCache[url]);
  useEffect(() => {
    if (!loading) useLab.getState().checkModelCache(url);
  }, [url, loading]);
  if (!status || status.files === 0) return null;
  const size = status.total > 0 ? ` ${formatBytes(status.total)}` : '';
  const text =
    status.filesCached === status.files
      ? `Cached in this browser: all ${status.files} files${size} (a load reads them from disk)`
      : status.cached > 0 || status.filesCached > 0
        ? `Partly cached: ${status.total > 0 ? `${formatBytes(status.cached)} of ${formatBytes(status.total)}` : `${status.filesCached} of ${status.files} files`} (a load resumes the rest)`
        : `Not cached: a load downloads ${status.files} files${size}`;
  return (
    <p className="muted small" data-testid="model-cache">
      {text}
    </p>
  );
}

function ModelVerdict() {
  const status = useLab((s) => s.model);
  const [cls, text] =
    status.state === 'ready' ? ['status good', 'loaded'] : status.state === 'loading' ? ['status busy', 'loading'] : status.state === 'failed' ? ['status bad', 'failed'] : ['status', 'not loaded'];
  return (
    <span className={cls} data-testid="model-status">
      {text}
    </span>
  );
}

/** One generation with the loaded model, to see it run: prompt, seed, steps, guidance; the image when it is done. */
function GeneratePanel() {
  const status = useLab((s) => s.model);
  const generation = useLab((s) => s.generation);
  const { generateImage, cancelGeneration } = useLab.getState();
  const info = status.state === 'ready' ? status.info : null;
  const [prompt, setPrompt] = useState('a small red circle at the top left on a blue background');
  const [seed, setSeed] = useState(0);
  const [steps, setSteps] = useState(info?.sampler.steps ?? 25);
  const [guidance, setGuidance] = useState(info?.sampler.guidance ?? 5);
  if (!info) return null;
  const running = generation.state === 'running';
  return (
    <section className="panel" data-testid="generate-panel">
      <header className="panel-header">
        <h2>Try a prompt</h2>
      </header>
      <div className="form-row">
        <label className="grow">
          Prompt
          <input type="text" value={prompt} onChange={(e) => setPrompt(e.target.value)} data-testid="prompt-input" />
        </label>
        <label>
          Seed
          <input type="number" min={0} value={seed} onChange={(e) => setSeed(Math.max(0, Math.floor(Number(e.target.value))))} data-testid="seed-input" />
        </label>
        <label>
          Steps
          <input type="number" min={1} max={200} value={steps} onChange={(e) => setSteps(Math.max(1, Math.floor(Number(e.target.value))))} data-testid="steps-input" />
        </label>
        <label>
          Guidance
          <input type="number" min={0} step={0.5} value={guidance} onChange={(e) => setGuidance(Number(e.target.value))} data-testid="guidance-input" />
        </label>
        {running ? (
          <button type="button" className="secondary" onClick={cancelGeneration} data-testid="cancel-generate">
            Cancel
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            disabled={!prompt.trim()}
            onClick={() => generateImage({ prompt, negativePrompt: '', seed, scheduler: info.sampler.scheduler, steps, guidance })}
            data-testid="generate"
          >
            Generate
          </button>
        )}
      </div>
      {running && (
        <div className="generated">
          {generation.previewId && <ImageCanvas imageId={generation.previewId} testId="step-preview" />}
          <div className="progress-line" data-testid="generate-progress">
            <progress value={generation.call} max={generation.calls} />
            <span>
              UNet call {generation.call} of {generation.calls}
              {generation.previewId && ` — preview: the latent through the model’s ${status.state === 'ready' && status.info.previewDecoder ? 'TAESD-style preview decoder' : 'fitted latent → RGB map'}`}
            </span>
          </div>
        </div>
      )}
      {generation.state === 'done' && <GeneratedImage imageId={generation.imageId} seconds={generation.seconds} prompt={generation.prompt} seed={generation.seed} provider={info.provider} />}
      {generation.state === 'failed' && <p className="error-text">{generation.reason}</p>}
    </section>
  );
}

function GeneratedImage({ imageId, seconds, prompt, seed, provider }: { imageId: string; seconds: number; prompt: string; seed: number; provider: string }) {
  return (
    <figure className="generated">
      <ImageCanvas imageId={imageId} testId="generated-image" />
      <figcaption>
        <span>“{prompt}”</span>
        <span className="muted">
          seed {seed} · {seconds.toFixed(2)} s on {provider}
        </span>
      </figcaption>
    </figure>
  );
}

/** The wasm thread setting (saved in this browser); ORT's pool starts once, so a change applies on the next page load. */
function WasmThreadsChoice({ running }: { running: number | null }) {
  const [setting, setSetting] = useState<WasmThreadsSetting>(readWasmThreadsSetting);
  const [changed, setChanged] = useState(false);
  return (
    <label>
      Wasm threads
      <select
        value={String(setting)}
        onChange={(e) => {
          const value = (e.target.value === 'auto' ? 'auto' : Number(e.target.value)) as WasmThreadsSetting;
          saveWasmThreadsSetting(value);
          setSetting(value);
          setChanged(true);
        }}
        data-testid="wasm-threads-choice"
      >
        {WASM_THREAD_CHOICES.map((c) => (
          <option key={String(c)} value={String(c)}>
            {c === 'auto' ? 'Auto (half the cores, at most 4)' : c}
          </option>
        ))}
      </select>
      {changed && (
        <span className="muted small">
          {running !== null ? `${running} running; ` : ''}applies after a reload{' '}
          <button type="button" className="link" onClick={() => location.reload()} data-testid="wasm-threads-reload">
            Reload now
          </button>
        </span>
      )}
    </label>
  );
}
