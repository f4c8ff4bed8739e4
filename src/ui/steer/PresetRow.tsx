import { useState } from 'react';
import type { SteerPreset } from '../../state/project-record';

/** Saved steering settings of the project: load one, or save the current ones under a name. */
export function PresetRow({ presets, current, onLoad, onSave }: { presets: SteerPreset[]; current: Omit<SteerPreset, 'name'>; onLoad: (p: SteerPreset) => void; onSave: (p: SteerPreset) => void }) {
  const [name, setName] = useState('');
  return (
    <div className="form-row">
      <label>
        Presets
        <select value="" onChange={(e) => { const p = presets.find((x) => x.name === e.target.value); if (p) onLoad(p); }} disabled={presets.length === 0} data-testid="steer-presets">
          <option value="">{presets.length ? `load one of ${presets.length}…` : 'none saved yet'}</option>
          {presets.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Save as
        <span className="inline">
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="preset name" data-testid="preset-name" style={{ width: 140 }} />
          <button type="button" className="secondary" disabled={!name.trim()} onClick={() => { onSave({ ...current, name: name.trim() }); setName(''); }} data-testid="save-preset">
            Save
          </button>
        </span>
      </label>
    </div>
  );
}

