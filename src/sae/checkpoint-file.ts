/**
 * A training checkpoint (the trainer's whole state: weights, Adam moments,
 * step, RNG, bookkeeping) as a safetensors file of flat tensors, so a run
 * resumes after a stop or a reload — on disk in the CLI, in OPFS in the lab.
 */
import { SafetensorsFile, serializeSafetensors, type ByteSource, type TensorEntry } from '../data/safetensors';
import type { SaeCheckpoint } from './train/training-state';

const KIND = 'sae-checkpoint';

export function serializeCheckpoint(checkpoint: SaeCheckpoint): Blob {
  const tensors: Record<string, TensorEntry> = {};
  for (const [name, data] of Object.entries(checkpoint)) {
    tensors[name] = { dtype: data instanceof Float32Array ? 'F32' : 'U32', shape: [data.length], data };
  }
  return serializeSafetensors(tensors, { kind: KIND });
}

export async function readCheckpoint(source: ByteSource, where = 'the checkpoint'): Promise<SaeCheckpoint> {
  const file = await SafetensorsFile.open(source);
  if (file.metadata.kind !== KIND) throw new Error(`${where} is not an SAE training checkpoint (metadata kind "${file.metadata.kind}")`);
  const checkpoint: SaeCheckpoint = {};
  for (const [name, info] of file.tensors) {
    const bytes = await file.readBytes(name);
    checkpoint[name] = info.dtype === 'U32' ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : await file.readF32(name);
  }
  return checkpoint;
}
