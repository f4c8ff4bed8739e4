import type { StateCreator } from 'zustand';
import { ProjectFolder } from '../data/opfs-project';
import { deleteProject, listProjects, saveProject } from './project-db';
import { runtimeClient } from './runtime-client';
import { afterReload, newProject, type ProjectRecord } from './project-record';
import type { LabState } from './store';

const OPEN_KEY = 'trajectory-lab.project';

export interface ProjectSlice {
  projects: ProjectRecord[];
  projectId: string | null;
  /** Storage used per project (bytes), refreshed after jobs. */
  projectBytes: Record<string, number>;
  projectsReady: boolean;
  loadProjects: () => Promise<void>;
  createProject: (name?: string) => Promise<string>;
  openProject: (id: string) => void;
  renameProject: (id: string, name: string) => void;
  removeProject: (id: string) => Promise<void>;
  /** Changes a project record and saves it (the store at once, IndexedDB right after). */
  updateProject: (id: string, change: (p: ProjectRecord) => ProjectRecord) => void;
  measureProject: (id: string) => Promise<void>;
}

/** The open project, or null before projects are loaded. */
export function currentProject(s: Pick<LabState, 'projects' | 'projectId'>): ProjectRecord | null {
  return s.projects.find((p) => p.id === s.projectId) ?? null;
}

export const createProjectSlice: StateCreator<LabState, [], [], ProjectSlice> = (set, get) => {
  const persist = (p: ProjectRecord) => saveProject(p).catch((e: unknown) => get().reportError('Project storage', e));
  let loadingProjects: Promise<void> | null = null;
  const readProjects = async () => {
    let projects = (await listProjects()).map(afterReload);
    if (projects.length === 0) {
      const first = newProject('My first project');
      await saveProject(first);
      projects = [first];
    }
    const wanted = localStorage.getItem(OPEN_KEY);
    const projectId = projects.some((p) => p.id === wanted) ? wanted : projects[projects.length - 1].id;
    set({ projects, projectId, projectsReady: true });
    await Promise.all(projects.map((p) => persist(p)));
    for (const p of projects) void get().measureProject(p.id);
  };
  return {
    projects: [],
    projectId: null,
    projectBytes: {},
    projectsReady: false,
    loadProjects: () => {
      // Once per page: a second call (StrictMode runs the page's effects twice in development) shares the first
      // instead of also finding no project and saving a second "My first project". A failed load may be retried.
      loadingProjects ??= readProjects().catch((e: unknown) => {
        loadingProjects = null;
        throw e;
      });
      return loadingProjects;
    },
    createProject: async (name) => {
      const project = newProject(name ?? `Project ${get().projects.length + 1}`);
      await saveProject(project);
      set((s) => ({ projects: [...s.projects, project] }));
      get().openProject(project.id);
      return project.id;
    },
    openProject: (id) => {
      localStorage.setItem(OPEN_KEY, id);
      const previous = get().projectId;
      set({ projectId: id });
      // The worker lets go of the project it kept (its SAE and dynamics on the GPU) when another opens.
      if (previous !== null && previous !== id) runtimeClient.runJob('open-project', { projectId: id }).catch((e: unknown) => get().reportJobError('Projects', e));
    },
    renameProject: (id, name) => get().updateProject(id, (p) => ({ ...p, name: name.trim() || p.name })),
    removeProject: async (id) => {
      await deleteProject(id);
      const projects = get().projects.filter((p) => p.id !== id);
      set({ projects });
      if (projects.length === 0) await get().createProject('My first project');
      else if (get().projectId === id) get().openProject(projects[projects.length - 1].id);
    },
    updateProject: (id, change) => {
      let changed: ProjectRecord | null = null;
      set((s) => ({
        projects: s.projects.map((p) => {
          if (p.id !== id) return p;
          changed = change(p);
          return changed;
        }),
      }));
      if (changed) void persist(changed);
    },
    measureProject: async (id) => {
      const bytes = await (await ProjectFolder.open(id)).bytesUsed().catch(() => null);
      if (bytes !== null) set((s) => ({ projectBytes: { ...s.projectBytes, [id]: bytes } }));
    },
  };
};
