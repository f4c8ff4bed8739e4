import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SafetensorsFile } from '../data/safetensors';
import { readCheckpoint, serializeCheckpoint } from '../sae/checkpoint-file';
import { readSaeFile, saeCfgJson, serializeSaeFile, type SaeWeights as SaeFileWeights } from '../sae/sae-file';
import type { SaeCheckpoint } from '../sae/train/training-state';
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
  // Write beside, then rename: a crash mid-write keeps the previous checkpoint.
  const partial = `${path}.partial`;
  await saveBlob(partial, serializeCheckpoint(checkpoint));
  await rename(partial, path);
}

export async function loadCheckpoint(path: string): Promise<SaeCheckpoint> {
  return readCheckpoint(await openFile(path, 'checkpoint'), path);
}
