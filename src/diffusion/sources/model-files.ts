/**
 * The one interface every source of model files implements — bundled with
 * the app or at a URL (url-model.ts), dropped into the page
 * (local-files.ts), a folder in Node (node-folder.ts) — and the checks
 * every source applies to what it read.
 */
import { graphFiles, type ModelManifest } from '../manifest';
import { checkOnnxHeader } from './onnx-header';
import { formatBytes, ModelSourceError } from './source-error';

/** How far one file has come, for progress bars; rate and ETA are over the bytes fetched in this download. */
export interface DownloadProgress {
  /** Path inside the model ("unet/weights.pb"). */
  path: string;
  /** Bytes in hand, counting those kept from an earlier, interrupted download. */
  loaded: number;
  /** File size when known (manifest bytes, Content-Length or Content-Range). */
  total: number | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
  /** True when the file came from the cache or a local file, without a download. */
  fromCache: boolean;
}

export interface ReadOptions {
  onProgress?: (progress: DownloadProgress) => void;
  /** Cancels a download; the bytes so far stay in the cache and the next read resumes from them. */
  signal?: AbortSignal;
}

export interface ModelFiles {
  /** Stable identity for caches derived from the files (hooked UNets): manifest URL and content hash, or folder name and sizes. */
  readonly id: string;
  readonly manifest: ModelManifest;
  /** The whole file at `path` (a manifest path), checked against the manifest. */
  read(path: string, options?: ReadOptions): Promise<Uint8Array>;
  /** The file's size in bytes without reading it, or null when nothing says. */
  size(path: string): Promise<number | null>;
}

/** Size against the manifest's `bytes`, and graphs that start like ONNX. `where` names the model in messages. */
export function checkModelFile(manifest: ModelManifest, path: string, bytes: Uint8Array, where: string): void {
  checkFileSize(manifest, path, bytes.length, where);
  if (graphFiles(manifest).has(path)) checkOnnxHeader(bytes, path, where);
}

export function checkFileSize(manifest: ModelManifest, path: string, size: number, where: string): void {
  const expected = manifest.files[path]?.bytes;
  if (expected === undefined || size === expected) return;
  throw new ModelSourceError(
    'truncated',
    size < expected
      ? `${where}: ${path} is ${size} bytes (${formatBytes(size)}) but the manifest says ${expected} (${formatBytes(expected)}): the file is truncated, probably an interrupted download; download it again`
      : `${where}: ${path} is ${size} bytes but the manifest says ${expected}: it is not the file the manifest describes (another export or revision?); use the files of the pinned revision`,
  );
}

/** The error for a file the source does not have. */
export function missingFile(manifest: ModelManifest, path: string, where: string, fix: string): ModelSourceError {
  return new ModelSourceError('missing', `${manifest.name}: ${path} is missing from ${where}; ${fix}`);
}
