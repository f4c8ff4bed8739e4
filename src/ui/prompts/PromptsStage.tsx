import { useEffect, useState } from 'react';
import { attributeGridPrompts } from '../../data/attribute-grid';
import { PROMPT_FILE_EXTENSIONS } from '../../data/prompt-file';
import type { PromptPreview } from '../../data/prompt-preview';
import { currentProject } from '../../state/project-slice';
import type { PromptSetRecord } from '../../state/project-record';
import { useLab } from '../../state/store';
import { NeedsModel } from '../model/ModelLoadProgress';

const SHOWN = 200;

/** Prompts: a dropped or picked file, or an example set; its preview (counts, duplicates, token lengths, unknown words). */
export function PromptsStage({ onNext }: { onNext: () => void }) {
  const project = useLab(currentProject);
  const status = useLab((s) => s.promptsStatus);
  const preview = useLab((s) => s.promptPreview);
  const modelName = useLab((s) => (s.model.state === 'ready' ? s.model.info.name : null));
  const set = project?.prompts ?? null;

  // The preview follows the open project and the loaded model's tokenizer.
  useEffect(() => {
    void useLab.getState().refreshPromptPreview();
  }, [project?.id, modelName]);

  return (
    <>
      <section className="panel" data-testid="prompts-panel">
        <header className="panel-header">
          <h2>Prompt set</h2>
          {set && (
            <span className="status good" data-testid="prompts-count">
              {set.entries.length} prompts
            </span>
          )}
        </header>
        <p className="muted">
          Drop a file anywhere on the page, or pick one: <code>.txt</code> (one prompt per line), <code>.csv</code> / <code>.tsv</code> (a <code>prompt</code> column; optional <code>seed</code>,{' '}
          <code>negative_prompt</code>), <code>.json</code> / <code>.jsonl</code> (strings, or objects with those fields).
        </p>
        <div className="form-row">
          <label className="file-pick">
            <span className="button secondary">Choose a file…</span>
            <input
              type="file"
              accept={PROMPT_FILE_EXTENSIONS.join(',')}
              data-testid="prompt-file-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void useLab.getState().loadPromptFile(file);
                e.target.value = '';
              }}
            />
          </label>
          <ExampleSets />
        </div>
        {status.state === 'parsing' && <p className="muted">Reading {status.name}…</p>}
        {status.state === 'error' && (
          <div className="error-box" data-testid="prompt-error">
            <p className="error-text">{status.message}</p>
            <p className="muted small">{set ? `The previous prompt set (${set.entries.length} prompts from ${set.source}) is kept.` : 'No prompt set yet.'}</p>
          </div>
        )}
        {set && (
          <div className="form-row">
            <span className="muted" data-testid="prompts-source">
              From {set.source} ({set.format}) · {new Date(set.at).toLocaleString()}
            </span>
            <button type="button" className="secondary" onClick={onNext}>
              Next: collect →
            </button>
          </div>
        )}
      </section>
      {set && <PreviewPanel set={set} preview={preview?.preview ?? null} previewError={preview?.error ?? null} warnings={preview?.warnings ?? []} />}
    </>
  );
}

function ExampleSets() {
  const [count, setCount] = useState(48);
  return (
    <>
      <label>
        Toy attribute grid
        <span className="inline">
          <input type="number" min={1} max={2000} value={count} onChange={(e) => setCount(Math.max(1, Math.min(2000, Math.floor(Number(e.target.value)))))} aria-label="Prompts in the grid" />
          <button
            type="button"
            className="secondary"
            data-testid="example-toy"
            onClick={() => {
              const grid = attributeGridPrompts({ count });
              void useLab.getState().setExamplePrompts(
                `toy attribute grid (${count})`,
                grid.map(({ prompt, seed }) => ({ prompt, seed })),
                grid.map((g) => g.attributes),
              );
            }}
          >
            Use
          </button>
        </span>
      </label>
      <button
        type="button"
        className="secondary"
        data-testid="example-sd"
        onClick={async () => {
          const response = await fetch('prompts/sd15-captions.txt');
          const blob = await response.blob();
          await useLab.getState().loadPromptFile(new File([blob], 'sd15-captions.txt'));
        }}
      >
        SD 1.5 captions
      </button>
    </>
  );
}

function PreviewPanel({ set, preview, previewError, warnings }: { set: PromptSetRecord; preview: PromptPreview | null; previewError: string | null; warnings: string[] }) {
  const duplicateOf = new Map<number, number>();
  if (preview) for (const g of [...preview.exactDuplicates, ...preview.nearDuplicates]) for (const i of g.indices.slice(1)) duplicateOf.set(i, g.indices[0]);
  const truncated = new Set(preview?.tokens.truncated.map((t) => t.index));
  return (
    <section className="panel" data-testid="prompt-preview">
      <header className="panel-header">
        <h2>Preview</h2>
      </header>
      {preview ? (
        <dl className="facts">
          <dt>Prompts</dt>
          <dd data-testid="preview-count">
            {preview.count} ({preview.distinct} distinct{preview.withNegativePrompt > 0 ? `, ${preview.withNegativePrompt} with a negative prompt` : ''})
          </dd>
          <dt>Duplicates</dt>
          <dd data-testid="preview-duplicates">
            {preview.exactDuplicates.length + preview.nearDuplicates.length === 0
              ? 'none'
              : [...preview.exactDuplicates, ...preview.nearDuplicates].map((g) => `“${g.prompt}” on lines ${g.lines.join(', ')}`).join('; ')}
          </dd>
          <dt>Tokens</dt>
          <dd data-testid="preview-tokens">
            {preview.tokens.min}–{preview.tokens.max} (mean {preview.tokens.mean.toFixed(1)}) of {preview.tokens.contextLength}
            {preview.tokens.truncated.length > 0 && <span className="error-text"> · {preview.tokens.truncated.length} over the limit (their end is cut)</span>}
          </dd>
          <dt>Unknown words</dt>
          <dd data-testid="preview-unknown">
            {preview.unknownWords.length === 0 ? 'none' : preview.unknownWords.slice(0, 20).map((w) => `${w.word} (${w.count}×, line ${w.lines[0]})`).join(', ')}
            {preview.unknownWords.length > 0 && <span className="muted"> — the model maps them to its unknown token</span>}
          </dd>
        </dl>
      ) : (
        previewError ? <p className="muted">{previewError}</p> : <NeedsModel instruction="Load a model to count tokens against its tokenizer." waiting="Loading the model… its tokenizer counts the tokens once it is ready." />
      )}
      {warnings.length > 0 && (
        <ul className="warnings" data-testid="prompt-warnings">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      <table className="results prompt-table" data-testid="prompt-table">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>prompt</th>
            <th className="num">seed</th>
            <th className="num">tokens</th>
            <th>notes</th>
          </tr>
        </thead>
        <tbody>
          {set.entries.slice(0, SHOWN).map((e, i) => (
            <tr key={i}>
              <td className="num">{i}</td>
              <td>
                {e.prompt}
                {e.negativePrompt && <span className="muted"> — not: {e.negativePrompt}</span>}
              </td>
              <td className="num">{e.seed}</td>
              <td className="num">{preview?.tokens.perPrompt[i] ?? ''}</td>
              <td>
                {duplicateOf.has(i) && <span className="tag">duplicate of #{duplicateOf.get(i)}</span>}
                {truncated.has(i) && <span className="tag bad">over {preview?.tokens.contextLength} tokens</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {set.entries.length > SHOWN && <p className="muted small">and {set.entries.length - SHOWN} more</p>}
    </section>
  );
}
