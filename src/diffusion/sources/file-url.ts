import type { ModelManifest } from '../manifest';

/**
 * Where a model file is fetched from when it is not next to the manifest:
 * its entry's absolute `url`, else the manifest's pinned Hugging Face
 * revision (`https://huggingface.co/<repo>/resolve/<revision>/<path>`);
 * null for a file that only exists beside the manifest.
 */
export function remoteUrl(manifest: ModelManifest, path: string): string | null {
  const url = manifest.files[path]?.url;
  if (url !== undefined) return /^https?:\/\//i.test(url) ? url : null;
  const hf = manifest.huggingface;
  return hf ? `https://huggingface.co/${hf.repo}/resolve/${encodeURIComponent(hf.revision)}/${path.split('/').map(encodeURIComponent).join('/')}` : null;
}

/** The URL of a model file of a manifest served at `manifestUrl`: remote, or the entry's relative `url`, or the path, resolved against the manifest. */
export function fileUrl(manifest: ModelManifest, path: string, manifestUrl: string): string {
  return remoteUrl(manifest, path) ?? new URL(manifest.files[path]?.url ?? path, manifestUrl).href;
}
