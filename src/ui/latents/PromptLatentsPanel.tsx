import { useState } from 'react';
import { topPercent } from '../../analysis/concept-scores';
import { useLab } from '../../state/store';

const SHOWN = 10;

/** Which latents fire for this prompt: it is generated with the hook recorded and the latents ranked by their largest activation on it. */
export function PromptLatentsPanel({ m, onSelect }: { m: number; onSelect: (k: number) => void }) {
  const result = useLab((s) => s.promptLatents);
  const [prompt, setPrompt] = useState('');
  const [seed, setSeed] = useState(0);
  const ranked = result?.state === 'ready' ? topPercent(result.max, (100 * SHOWN) / m).filter((k) => result.max[k] > 0) : [];
  return (
    <section className="panel" data-testid="prompt-latents-panel">
      <header className="panel-header">
        <h2>Which latents fire for a prompt</h2>
      </header>
      <div className="form-row">
        <label className="grow">
          Prompt
          <input value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="a large green circle in the centre on a black background" data-testid="prompt-latents-input" />
        </label>
        <label>
          Seed
          <input type="number" min={0} value={seed} onChange={(e) => setSeed(Math.max(0, Math.floor(Number(e.target.value))))} />
        </label>
        <button type="button" className="secondary" disabled={!prompt.trim() || result?.state === 'running'} onClick={() => useLab.getState().rankPromptLatents(prompt, seed)} data-testid="prompt-latents-run">
          {result?.state === 'running' ? 'Generating…' : 'Rank latents'}
        </button>
      </div>
      {result?.state === 'ready' && (
        <table className="results" data-testid="prompt-latents-table">
          <thead>
            <tr>
              <th>latent</th>
              <th className="num">max activation</th>
              <th className="num">mean over positions</th>
            </tr>
          </thead>
          <tbody>
            {ranked.map((k) => (
              <tr key={k} data-latent={k} className="clickable" onClick={() => onSelect(k)}>
                <td>#{k}</td>
                <td className="num">{result.max[k].toPrecision(3)}</td>
                <td className="num">{result.mean[k].toPrecision(3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result?.state === 'ready' && ranked.length === 0 && <p className="muted">No latent fires on “{result.prompt}”.</p>}
    </section>
  );
}
