import { describe, expect, it } from 'vitest';
import { PROJECT_FILES } from './opfs-project';
import { encodePng } from './png';
import { previewStrip } from './preview-strip';
import { serializeSafetensors } from './safetensors';
import { indexProjectBundle, readProjectBundle, serializeProjectBundle } from './project-bundle';

describe('project bundle', () => {
  it('round-trips every file byte for byte and the record', async () => {
    // An image's preview strip (4 steps of 3×3) and the latent statistics travel like any other file.
    const frames = Array.from({ length: 4 }, (_, s) => ({ width: 3, height: 3, data: Uint8ClampedArray.from({ length: 36 }, (_, i) => (i * 11 + s * 53) & 255) }));
    const files = [
      { name: PROJECT_FILES.trajectories, bytes: Uint8Array.from({ length: 1001 }, (_, i) => (i * 7) & 255) },
      { name: PROJECT_FILES.image(0), bytes: new Uint8Array([137, 80, 78, 71]) },
      { name: PROJECT_FILES.previews(0), bytes: await encodePng(previewStrip(frames)) },
      { name: PROJECT_FILES.latentStats, bytes: Uint8Array.from({ length: 77 }, (_, i) => (i * 13) & 255) },
      { name: 'empty.json', bytes: new Uint8Array(0) },
    ];
    const record = { name: 'p', sae: { steps: 40, history: [{ fvu: 0.5 }] } };
    const back = await readProjectBundle(serializeProjectBundle({ record, files }));
    expect(back.record).toEqual(record);
    expect(back.files.map((f) => f.name).sort()).toEqual(files.map((f) => f.name).sort());
    for (const f of files) expect(Array.from(back.files.find((b) => b.name === f.name)!.bytes)).toEqual(Array.from(f.bytes));
  });

  it('indexes each file by its byte range, read from the header alone (an import copies the ranges without reading the whole file)', async () => {
    const files = [
      { name: PROJECT_FILES.trajectories, bytes: Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255) },
      { name: PROJECT_FILES.sae, bytes: Uint8Array.from({ length: 123 }, (_, i) => (i * 3 + 1) & 255) },
    ];
    const bundle = serializeProjectBundle({ record: { name: 'q' }, files });
    const index = await indexProjectBundle(bundle);
    expect(index.record).toEqual({ name: 'q' });
    for (const f of files) {
      const entry = index.files.find((e) => e.name === f.name)!;
      expect(entry.end - entry.begin).toBe(f.bytes.length);
      expect(new Uint8Array(await bundle.slice(entry.begin, entry.end).arrayBuffer())).toEqual(f.bytes);
    }
  });

  it('refuses a safetensors file that is not a project', async () => {
    const other = serializeSafetensors({ x: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, { kind: 'dynamics' });
    await expect(readProjectBundle(other)).rejects.toThrow(/not a project file/);
  });
});
