import type { StateCreator } from 'zustand';
import { PROJECT_FILES, ProjectFolder } from '../data/opfs-project';
import { serializeProjectBundle } from '../data/project-bundle';
import { SafetensorsFile } from '../data/safetensors';
import { saveProject } from './project-db';
import { labelNewSae } from './new-sae-labels';
import { afterReload, newProject } from './project-record';
import type { ImportedArtifact } from '../worker/jobs/import-job';
import type { ProjectRecord } from './project-record';
import { currentProject } from './project-slice';
import { runtimeClient } from './runtime-client';
import type { LabState } from './store';

export type ArtifactKind = 'trajectories' | 'dynamics' | 'sae';

/** A file to save: the store reads it, the page downloads it. */
export interface NamedBlob {
  name: string;
  blob: Blob;
}

export interface ArtifactSlice {
  importing: string | null;
  /**
   * Imports safetensors files into the open project (a cfg.json among them
   * is the config of an SAELens / sparsify SAE). Each becomes the project's
   * trajectories, dynamics or SAE; a bad file is reported and changes nothing.
   */
  importArtifacts: (files: File[]) => Promise<void>;
  /** An artifact of the open project as files to save (an SAE with its cfg.json beside it); none when it has none. */
  exportArtifact: (kind: ArtifactKind) => Promise<NamedBlob[]>;
  /** The open project as one file to save (every file of its folder and its record), or null with none open; importing it makes a new project. */
  exportProject: () => Promise<NamedBlob | null>;
}

const FILE_OF: Record<ArtifactKind, string> = { trajectories: PROJECT_FILES.trajectories, dynamics: PROJECT_FILES.dynamics, sae: PROJECT_FILES.sae };

export const createArtifactSlice: StateCreator<LabState, [], [], ArtifactSlice> = (set, get) => ({
  importing: null,
  importArtifacts: async (files) => {
    const project = currentProject(get());
    if (!project) return;
    const cfg = files.find((f) => f.name.endsWith('.json'));
    const cfgJson = cfg ? await cfg.text() : null;
    for (const file of files.filter((f) => f !== cfg)) {
      set({ importing: file.name });
      try {
        // A whole project becomes a new one; anything else goes into the open project.
        const whole = (await SafetensorsFile.open(file).catch(() => null))?.metadata.kind === 'project';
        const target = whole ? newProject(file.name).id : project.id;
        const artifact = await runtimeClient.runJob('import', { projectId: target, file, cfgJson, trajectories: shapeOf(currentProject(get())) });
        if (artifact.kind === 'project') {
          const record = artifact.record as ProjectRecord;
          const imported = afterReload({ ...record, id: target, name: `${record.name} (imported)` });
          await saveProject(imported);
          set((s) => ({ projects: [...s.projects, imported] }));
          get().openProject(target);
        } else {
          get().updateProject(project.id, (p) => withArtifact(p, artifact, file.name, Date.now()));
          if (artifact.kind === 'sae') labelNewSae(get(), project.id);
        }
      } catch (error) {
        get().reportJobError('Import', error);
      }
    }
    set({ importing: null });
    void get().measureProject(project.id);
  },
  exportProject: async () => {
    const project = currentProject(get());
    if (!project) return null;
    const folder = await ProjectFolder.open(project.id);
    // The folder's Files go into the bundle as Blobs: a trajectory file is never read into memory whole.
    const files = (await folder.files()).map((f) => ({ name: f.name, bytes: f }));
    return { blob: serializeProjectBundle({ record: project, files }), name: `${project.name.replace(/[^\w.-]+/g, '_')}.project.safetensors` };
  },
  exportArtifact: async (kind) => {
    const project = currentProject(get());
    if (!project) return [];
    const folder = await ProjectFolder.open(project.id);
    const file = await folder.file(FILE_OF[kind]);
    if (!file) {
      get().reportError('Export', `this project has no ${kind} to export yet`);
      return [];
    }
    const base = project.name.replace(/[^\w.-]+/g, '_');
    const cfg = kind === 'sae' ? await folder.file(PROJECT_FILES.saeCfg) : null;
    return [{ blob: file, name: `${base}-${kind}.safetensors` }, ...(cfg ? [{ blob: cfg, name: `${base}-cfg.json` }] : [])];
  },
});

function shapeOf(p: ProjectRecord | null): { S: number; d: number } | null {
  return p?.collect?.state === 'done' ? { S: p.collect.settings.recordCalls.length, d: p.collect.settings.channels } : null;
}

/** The project with an imported artifact recorded as its stage's result. */
function withArtifact(p: ProjectRecord, a: Exclude<ImportedArtifact, { kind: 'project' }>, fileName: string, now: number): ProjectRecord {
  if (a.kind === 'trajectories') {
    const m = a.meta;
    const entries = m.prompts.map((prompt, i) => {
      const negativePrompt = m.sampler?.negativePrompts[i];
      return negativePrompt ? { prompt, seed: m.seeds[i], negativePrompt } : { prompt, seed: m.seeds[i] };
    });
    const sampler = m.sampler ? { scheduler: m.sampler.scheduler as 'ddim', steps: m.sampler.steps, guidance: m.sampler.guidance } : { scheduler: 'ddim' as const, steps: 0, guidance: 0 };
    return {
      ...p,
      prompts: { source: fileName, format: 'trajectory file', entries, at: now },
      collect: {
        settings: { manifestUrl: '', model: m.model, hook: m.hook, channels: a.d, height: m.height, width: m.width, sampler, recordCalls: m.stepIndices, dtype: a.dtype, fixedSeed: null },
        promptsAt: now,
        state: 'done',
        done: a.N,
        total: a.N,
        bytes: a.bytes,
        seconds: 0,
        at: now,
      },
    };
  }
  if (a.kind === 'dynamics') {
    return { ...p, dynamics: { variant: a.fitted.variant, lambda: a.fitted.lambda, heldoutFraction: 0, results: [a.fitted], seconds: 0, collectAt: p.collect?.at ?? 0, at: now } };
  }
  return { ...p, sae: { config: a.config, steps: 0, checkpointEvery: 0, state: 'done', step: 0, history: [], seconds: 0, dynamicsAt: p.dynamics?.at ?? 0, at: now } };
}
