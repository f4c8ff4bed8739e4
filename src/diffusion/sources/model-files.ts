import type { ModelManifest } from '../manifest';

/** Bytes loaded so far of one file, for progress bars: rate and ETA over this download. */
export interface DownloadProgress {
  path: string;
  loaded: number;
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
  fromCache: boolean;
}

export interface ReadOptions {
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

/**
 * One model's files, wherever they are: bundled with the app or at a URL
 * (fetched, checked, cached), dropped into the page, or a folder in Node.
 */
export interface ModelFiles {
  /** Stable identity for caches derived from the files (hooked UNets): URL, or folder name and sizes. */
  readonly id: string;
  readonly manifest: ModelManifest;
  read(path: string, options?: ReadOptions): Promise<Uint8Array>;
}

/** The checks every source applies to a file it read: size against the manifest, and an ONNX file that looks like one. */
export function checkModelFile(manifest: ModelManifest, path: string, bytes: Uint8Array, where: string): void {
  const expected = manifest.files?.[path]?.bytes;
  if (expected !== undefined && bytes.length !== expected) {
    throw new Error(`${where}: ${path} has ${bytes.length} bytes but the manifest expects ${expected}: the file is ${bytes.length < expected ? 'truncated (an interrupted download?); fetch it again' : 'not the one the manifest describes'}`);
  }
  // A ModelProto starts with field 1 (ir_version, varint): tag byte 0x08.
  if (path.endsWith('.onnx') && bytes[0] !== 0x08) {
    throw new Error(`${where}: ${path} is not an ONNX model (it does not start like one${bytes.length < 64 ? `; ${bytes.length} bytes` : ''}); check that the right file is at that path`);
  }
}
