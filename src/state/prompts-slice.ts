import type { StateCreator } from 'zustand';
import type { PromptPreview } from '../data/prompt-preview';
import type { PromptEntry } from '../flows/collect-trajectories';
import { loadedTokenizer } from './model-slice';
import { parsePromptsInWorker } from './prompt-client';
import { currentProject } from './project-slice';
import type { LabState } from './store';

export type PromptsStatus =
  | { state: 'idle' }
  | { state: 'parsing'; name: string }
  /** The file was refused; the project keeps its previous prompt set. */
  | { state: 'error'; name: string; message: string };

export interface PromptsSlice {
  promptsStatus: PromptsStatus;
  /** Preview of the open project's prompt set (counts, duplicates, token lengths, unknown words), or why there is none. */
  promptPreview: { preview: PromptPreview | null; error: string | null; warnings: string[] } | null;
  /** Parses a file in the prompt worker; on success it becomes the open project's prompt set. */
  loadPromptFile: (file: File) => Promise<void>;
  /** An example set built on the page; `attributes` per prompt where known (the toy's grid). */
  setExamplePrompts: (source: string, entries: PromptEntry[], attributes?: Record<string, string>[]) => Promise<void>;
  /** Recomputes the open project's preview (after a model load or a project switch). */
  refreshPromptPreview: () => Promise<void>;
}

export const createPromptsSlice: StateCreator<LabState, [], [], PromptsSlice> = (set, get) => ({
  promptsStatus: { state: 'idle' },
  promptPreview: null,
  loadPromptFile: async (file) => {
    const project = currentProject(get());
    if (!project) return;
    set({ promptsStatus: { state: 'parsing', name: file.name } });
    try {
      const parsed = await parsePromptsInWorker(file, tokenizer(get()));
      const entries = parsed.set.prompts.map(({ prompt, seed, negativePrompt }) => (negativePrompt ? { prompt, seed, negativePrompt } : { prompt, seed }));
      get().updateProject(project.id, (p) => ({ ...p, prompts: { source: file.name, format: parsed.set.format, entries, at: Date.now() } }));
      set({ promptsStatus: { state: 'idle' }, promptPreview: { preview: parsed.preview, error: parsed.previewError, warnings: parsed.set.warnings } });
    } catch (error) {
      set({ promptsStatus: { state: 'error', name: file.name, message: error instanceof Error ? error.message : String(error) } });
    }
  },
  setExamplePrompts: async (source, entries, attributes) => {
    const project = currentProject(get());
    if (!project) return;
    get().updateProject(project.id, (p) => ({ ...p, prompts: { source, format: 'example', entries, attributes, at: Date.now() } }));
    set({ promptsStatus: { state: 'idle' } });
    await get().refreshPromptPreview();
  },
  refreshPromptPreview: async () => {
    const prompts = currentProject(get())?.prompts;
    if (!prompts) {
      set({ promptPreview: null });
      return;
    }
    // The stored set goes back through the worker as JSON Lines, which keeps every seed and negative prompt.
    const jsonl = prompts.entries.map((e) => JSON.stringify({ prompt: e.prompt, seed: e.seed, ...(e.negativePrompt ? { negative_prompt: e.negativePrompt } : {}) })).join('\n');
    try {
      const parsed = await parsePromptsInWorker(new File([jsonl], 'prompts.jsonl'), tokenizer(get()));
      set({ promptPreview: { preview: parsed.preview, error: parsed.previewError, warnings: [] } });
    } catch (error) {
      set({ promptPreview: { preview: null, error: error instanceof Error ? error.message : String(error), warnings: [] } });
    }
  },
});

function tokenizer(s: LabState): { json: string; contextLength: number } | null {
  return s.model.state === 'ready' && loadedTokenizer.json ? { json: loadedTokenizer.json, contextLength: s.model.info.contextLength } : null;
}
