import type { ArtifactKind } from '../../state/artifact-slice';
import { useLab } from '../../state/store';
import { downloadBlob } from '../download';

const LABEL: Record<ArtifactKind, string> = { trajectories: 'Export trajectories', dynamics: 'Export dynamics', sae: 'Export SAE + cfg.json' };

/** Downloads one artifact of the open project as safetensors (for PyTorch, SAELens, the CLI). */
export function ExportButton({ kind }: { kind: ArtifactKind }) {
  return (
    <button type="button" className="secondary" onClick={() => void useLab.getState().exportArtifact(kind).then((files) => files.forEach((f) => downloadBlob(f.blob, f.name)))} data-testid={`export-${kind}`} title="safetensors, readable by PyTorch (safetensors.torch.load_file), SAELens and this lab's CLI">
      {LABEL[kind]}
    </button>
  );
}

/** Imports trajectories, dynamics or an SAE (with its cfg.json) into the open project. */
export function ImportButton() {
  const importing = useLab((s) => s.importing);
  return (
    <label className="file-pick" title="A trajectory, dynamics or SAE .safetensors file (an SAELens / sparsify SAE with its cfg.json)">
      <span className="button-link">{importing ? `Importing ${importing}…` : 'Import…'}</span>
      <input
        type="file"
        multiple
        accept=".safetensors,.json"
        data-testid="import-input"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) void useLab.getState().importArtifacts(files);
        }}
      />
    </label>
  );
}
