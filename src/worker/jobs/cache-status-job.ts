/** How much of a model the OPFS cache holds already (the Model page's "downloaded" figures). */
import { parseManifest } from '../../diffusion/manifest';
import { opfsByteStore } from '../../diffusion/sources/opfs-store';
import { cacheStatus } from '../../diffusion/sources/url-model';
import { JobError } from '../job-error';

export interface CacheStatusRequest {
  manifestUrl: string;
}

export interface CacheStatusResult {
  total: number;
  cached: number;
  files: number;
  filesCached: number;
}

export async function cacheStatusJob(request: CacheStatusRequest): Promise<CacheStatusResult> {
  const response = await fetch(request.manifestUrl);
  if (!response.ok) throw new JobError('bad-input', `${request.manifestUrl}: HTTP ${response.status}`);
  const manifest = parseManifest(await response.json(), request.manifestUrl);
  return cacheStatus(manifest, request.manifestUrl, await opfsByteStore('models'));
}
