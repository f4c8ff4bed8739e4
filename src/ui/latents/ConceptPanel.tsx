import { useMemo, useState } from 'react';
import { conceptScores, topPercent } from '../../analysis/concept-scores';
import { imageActivations } from '../../state/latents-slice';
import { useLab } from '../../state/store';
import type { LatentTable } from '../../sae/latent-table';
import type { SignedLatent } from '../../state/steer-slice';

/**
 * Concept → latents: the images whose prompt has a word (or, where the
 * prompts' attributes are known, an attribute value) against the rest;
 * latents ranked by how well they separate the two (AUROC) or by their
 * contrastive score at a recorded step (SAeUron); the top percentile one
 * click from steering. Ranked "either way", latents that fire on the images
 * without the concept count too; each goes to steering with its sign: + for
 * a latent that marks the concept, − for one that marks its absence (AUROC
 * below 0.5, or a negative score), so one strength pushes towards it.
 */
type RankBy = 'auroc' | 'auroc-either' | 'contrast';
export function ConceptPanel({ table, prompts, attributes, onSelect, onSteer }: {
  table: LatentTable;
  prompts: readonly string[];
  attributes: readonly Record<string, string>[] | undefined;
  onSelect: (k: number) => void;
  onSteer: (latents: SignedLatent[]) => void;
}) {
  const status = useLab((s) => s.imageActivationsStatus);
  const [concept, setConcept] = useState('');
  const [rankBy, setRankBy] = useState<RankBy>('auroc');
  const [step, setStep] = useState(0);
  const [percent, setPercent] = useState(5);
  const values = useMemo(() => {
    const out = new Set<string>();
    for (const a of attributes ?? []) for (const [k, v] of Object.entries(a)) out.add(`${k}=${v}`);
    return [...out].sort();
  }, [attributes]);
  const inA = useMemo(() => {
    const c = concept.trim().toLowerCase();
    if (!c) return null;
    const [attribute, value] = c.split('=');
    if (value !== undefined && attributes) return attributes.map((a) => a[attribute]?.toLowerCase() === value);
    return prompts.map((p) => new RegExp(`\\b${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i').test(p));
  }, [concept, prompts, attributes]);

  const ready = status.state === 'ready';
  // Scores over every image and latent: recomputed when the concept, step or percentile changes, not on every render.
  const ranked = useMemo((): { latents: number[]; scores: ReturnType<typeof conceptScores>; atStep: number[] } | { error: string } | null => {
    if (status.state !== 'ready' || !inA) return null;
    const acts = imageActivations.get(status.id);
    try {
      const scores = conceptScores(acts.mean, acts.max, acts.N, acts.m, inA, table.profile, table.S);
      const atStep = Array.from({ length: table.m }, (_, k) => (step < table.S ? scores.perStep[k * table.S + step] : Array.from({ length: table.S }, (_, s) => scores.perStep[k * table.S + s]).reduce((x, y) => x + y, 0)));
      const ranking = rankBy === 'auroc' ? scores.auroc : rankBy === 'auroc-either' ? Array.from(scores.auroc, (a) => Math.abs(a - 0.5)) : atStep;
      return { latents: topPercent(ranking, percent), scores, atStep };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [status, inA, table, step, percent, rankBy]);

  return (
    <section className="panel" data-testid="concept-panel">
      <header className="panel-header">
        <h2>Concept → latents</h2>
      </header>
      {!ready ? (
        <div className="form-row">
          <span className="muted">Ranking latents for a concept encodes every image once ({table.N} images).</span>
          <button type="button" className="secondary" disabled={status.state === 'running'} onClick={() => useLab.getState().loadImageActivations()} data-testid="load-image-activations">
            {status.state === 'running' ? `Encoding… ${status.done} of ${status.total || table.N}` : 'Encode the images'}
          </button>
        </div>
      ) : (
        <>
          <div className="form-row">
            <label className="grow">
              Concept: a prompt word{values.length > 0 && ' or an attribute value'}
              <input list="concept-values" value={concept} onChange={(e) => setConcept(e.target.value)} placeholder={values[0] ?? 'e.g. red'} data-testid="concept-input" />
              <datalist id="concept-values">
                {values.map((v) => (
                  <option key={v} value={v} />
                ))}
              </datalist>
            </label>
            <label>
              Rank by
              <select value={rankBy} onChange={(e) => setRankBy(e.target.value as RankBy)} data-testid="concept-rank-by">
                <option value="auroc">AUROC: fires on them, not on the rest</option>
                <option value="auroc-either">AUROC either way: on them, or only on the rest</option>
                <option value="contrast">contrast at a step (SAeUron)</option>
              </select>
            </label>
            <label>
              At step
              <select value={step} onChange={(e) => setStep(Number(e.target.value))} disabled={rankBy !== 'contrast'}>
                {Array.from({ length: table.S }, (_, s) => (
                  <option key={s} value={s}>
                    {s + 1} (call {table.stepIndices[s]})
                  </option>
                ))}
                <option value={table.S}>all steps</option>
              </select>
            </label>
            <label>
              Top {percent}%
              <input type="range" min={1} max={50} value={percent} onChange={(e) => setPercent(Number(e.target.value))} data-testid="concept-percent" />
            </label>
          </div>
          {ranked && 'error' in ranked && <p className="error-text">{ranked.error}</p>}
          {ranked && 'latents' in ranked && (
            <>
              <p className="muted small">
                {inA!.filter(Boolean).length} images with “{concept}”, {inA!.length - inA!.filter(Boolean).length} without; score = (mean on them − mean on the rest) · ‖v_k[s]‖
              </p>
              <table className="results" data-testid="concept-table">
                <thead>
                  <tr>
                    <th>latent</th>
                    <th className="num">mean, with</th>
                    <th className="num">mean, without</th>
                    <th className="num">AUROC</th>
                    <th className="num">score</th>
                    <th title="+ marks the concept, − its absence: the sign the latent is steered with">sign</th>
                  </tr>
                </thead>
                <tbody>
                  {ranked.latents.map((k) => {
                    const { scores, atStep } = ranked as { scores: ReturnType<typeof conceptScores>; atStep: number[] };
                    const sign = signOf(rankBy, k, scores, atStep);
                    return (
                      <tr key={k} data-latent={k} data-sign={sign} onClick={() => onSelect(k)} className="clickable">
                        <td>#{k}</td>
                        <td className="num">{scores.meanA[k].toPrecision(3)}</td>
                        <td className="num">{scores.meanB[k].toPrecision(3)}</td>
                        <td className="num">{scores.auroc[k].toFixed(3)}</td>
                        <td className="num">{atStep[k].toPrecision(3)}</td>
                        <td>{sign > 0 ? '+' : '−'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <button type="button" className="primary" onClick={() => onSteer(ranked.latents.map((k) => ({ latent: k, sign: signOf(rankBy, k, ranked.scores, ranked.atStep) })))} data-testid="steer-with-concept">
                Steer with these {ranked.latents.length}
              </button>
            </>
          )}
        </>
      )}
    </section>
  );
}

/** + for a latent that marks the concept, − for one that marks its absence, by the ranking's own measure. */
function signOf(rankBy: RankBy, k: number, scores: ReturnType<typeof conceptScores>, atStep: number[]): 1 | -1 {
  return (rankBy === 'contrast' ? atStep[k] : scores.auroc[k] - 0.5) < 0 ? -1 : 1;
}
