/**
 * Opening a model from the command line (Node): an http(s) manifest URL,
 * downloaded into the disk cache, or a model folder.
 */
import type { ByteStore } from './byte-store';
import type { ModelFiles, ReadOptions } from './model-files';
import { openFolder } from './node-folder';
import { nodeByteStore } from './node-store';
import { openUrlModel } from './url-model';

export interface ModelSourceOptions extends ReadOptions {
  /** Download cache (default nodeByteStore(): $TRAJ_CACHE or ~/.cache/trajectory-lab). */
  store?: ByteStore;
}

export function openModelSource(spec: string, options: ModelSourceOptions = {}): Promise<ModelFiles> {
  const { store = nodeByteStore(), ...read } = options;
  return /^https?:\/\//i.test(spec) ? openUrlModel(spec, { store, ...read }) : openFolder(spec, { remote: { store }, ...read });
}
