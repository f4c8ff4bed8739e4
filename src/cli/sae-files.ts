import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SafetensorsFile, serializeSafetensors, type TensorEntry } from '../data/safetensors';
import { readSaeFile, saeCfgJson, serializeSaeFile, type SaeWeights as SaeFileWeights } from '../sae/sae-file';
import type { SaeCheckpoint } from '../sae/trainer';
import { openFile, saveBlob, saveText } from './files';

/**
 * Reads an SAE: ours carries its cfg in the file; SAELens and sparsify keep a
 * cfg.json in the same folder, used when the file has none.
 */
export async function loadSae(path: string): Promise<SaeFileWeights> {
  const cfgPath = join(dirname(path), 'cfg.json');
  const blob = await openFile(path, 'SAE');
  const file = await SafetensorsFile.open(blob);
  const cfgJson = file.metadata.cfg === undefined && existsSync(cfgPath) ? await readFile(cfgPath, 'utf8') : undefined;
  return readSaeFile(blob, cfgJson);
}

/** Writes the SAE and, SAELens-style, its cfg.json in the same folder. */
export async function saveSae(path: string, sae: SaeFileWeights): Promise<void> {
  await saveBlob(path, serializeSaeFile(sae));
  await saveText(join(dirname(path), 'cfg.json'), saeCfgJson(sae.cfg));
}

export async function saveCheckpoint(path: string, checkpoint: SaeCheckpoint): Promise<void> {
  const tensors: Record<string, TensorEntry> = {};
  for (const [name, data] of Object.entries(checkpoint)) {
    tensors[name] = { dtype: data instanceof Float32Array ? 'F32' : 'U32', shape: [data.length], data };
  }
  // Write beside, then rename: a crash mid-write keeps the previous checkpoint.
  const partial = `${path}.partial`;
  await saveBlob(partial, serializeSafetensors(tensors, { kind: 'sae-checkpoint' }));
  await rename(partial, path);
}

export async function loadCheckpoint(path: string): Promise<SaeCheckpoint> {
  const file = await SafetensorsFile.open(await openFile(path, 'checkpoint'));
  if (file.metadata.kind !== 'sae-checkpoint') throw new Error(`${path} is not an SAE training checkpoint (metadata kind "${file.metadata.kind}")`);
  const checkpoint: SaeCheckpoint = {};
  for (const [name, info] of file.tensors) {
    const bytes = await file.readBytes(name);
    checkpoint[name] = info.dtype === 'U32' ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : await file.readF32(name);
  }
  return checkpoint;
}
