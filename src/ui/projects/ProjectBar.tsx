import { useState } from 'react';
import { currentProject } from '../../state/project-slice';
import { useLab } from '../../state/store';
import { formatBytes } from '../../data/format';
import { downloadBlob } from '../download';
import { ImportButton } from './ArtifactButtons';

/** The open project: switch, create, rename, delete; the storage it uses. */
export function ProjectBar() {
  const projects = useLab((s) => s.projects);
  const project = useLab(currentProject);
  const bytes = useLab((s) => (s.projectId ? s.projectBytes[s.projectId] : undefined));
  const busy = useLab((s) => s.collectJob !== null || s.fitJob !== null || s.trainJob !== null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const { openProject, createProject, renameProject, removeProject } = useLab.getState();
  if (!project) return null;
  return (
    <div className="project-bar" data-testid="project-bar">
      {renaming === null ? (
        <label>
          Project
          <select value={project.id} onChange={(e) => openProject(e.target.value)} disabled={busy} data-testid="project-choice" title={busy ? 'A job is running in this project' : undefined}>
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            renameProject(project.id, renaming);
            setRenaming(null);
          }}
        >
          <input autoFocus value={renaming} onChange={(e) => setRenaming(e.target.value)} onBlur={() => setRenaming(null)} aria-label="Project name" data-testid="project-name" />
        </form>
      )}
      <span className="muted small nowrap" data-testid="project-bytes">
        {bytes !== undefined ? formatBytes(bytes) : ''}
      </span>
      <button type="button" className="link" onClick={() => setRenaming(project.name)}>
        Rename
      </button>
      <ImportButton />
      <button type="button" className="link" disabled={busy} onClick={() => void useLab.getState().exportProject().then((f) => f && downloadBlob(f.blob, f.name))} data-testid="export-project" title="The whole project as one .project.safetensors file (trajectories, dynamics, SAE, images and settings); importing it makes a new project">
        Export
      </button>
      <button type="button" className="link" disabled={busy} onClick={() => void createProject()} data-testid="new-project">
        New
      </button>
      <button
        type="button"
        className="link danger"
        disabled={busy}
        onClick={() => {
          if (confirm(`Delete “${project.name}” and its files (${bytes !== undefined ? formatBytes(bytes) : 'its trajectories, dynamics and SAE'})?`)) void removeProject(project.id);
        }}
      >
        Delete
      </button>
    </div>
  );
}
