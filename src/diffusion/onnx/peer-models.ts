/**
 * Test data: the ONNX project's own backend test models (1951 files, see
 * the folder's README), kept beside the repository in ../shared/, which a
 * clean clone (CI) does not have: tests over them skip, saying so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PEER_MODELS_DIR = join(__dirname, '..', '..', '..', '..', 'shared', 'peer-data', 'onnx-backend-tests');
export const peerModelsPresent = existsSync(PEER_MODELS_DIR);
/** Appended to a describe's title: why it is skipped. */
export const peerModelsNote = peerModelsPresent ? '' : ` (skipped: ${PEER_MODELS_DIR} is absent)`;

export interface PeerModel {
  /** `<folder>/<file>`, e.g. `light/light_shufflenet.onnx`. */
  name: string;
  bytes: Uint8Array;
}

/** Every `.onnx` file, read. */
export function readPeerModels(): PeerModel[] {
  const models: PeerModel[] = [];
  for (const folder of readdirSync(PEER_MODELS_DIR, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const file of readdirSync(join(PEER_MODELS_DIR, folder.name))) {
      if (file.endsWith('.onnx')) models.push({ name: `${folder.name}/${file}`, bytes: new Uint8Array(readFileSync(join(PEER_MODELS_DIR, folder.name, file))) });
    }
  }
  return models;
}
