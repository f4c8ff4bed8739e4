/**
 * A model dropped into the page or picked with a folder picker (browser):
 * `File`s with `webkitRelativePath` (an <input webkitdirectory> or a drop),
 * or a FileSystemDirectoryHandle (showDirectoryPicker). Paired with a
 * shipped manifest when the folder is a known export without one.
 */
import { openLocalModel, type LocalFile, type LocalModelOptions } from './local-model';
import type { ModelFiles } from './model-files';

/** The directory-handle surface used here (entries() is in DOM.AsyncIterable, not in this project's libs). */
interface DirectoryLike {
  readonly name: string;
  entries(): AsyncIterable<[string, { kind: 'file' | 'directory' }]>;
}

export interface LocalFilesOptions extends LocalModelOptions {
  /** Base URL the shipped manifests are served under; default the app's (Vite BASE_URL). */
  appBase?: string;
}

export async function openLocalFiles(files: readonly File[] | FileSystemDirectoryHandle, options: LocalFilesOptions = {}): Promise<ModelFiles> {
  const map = new Map<string, LocalFile>();
  let where: string;
  if (Array.isArray(files)) {
    for (const f of files as readonly File[]) map.set(f.webkitRelativePath || f.name, fromFile(f));
    where = (files as readonly File[])[0]?.webkitRelativePath.split('/')[0] || 'the dropped files';
  } else {
    const dir = files as FileSystemDirectoryHandle;
    await walk(dir as unknown as DirectoryLike, '', map);
    where = dir.name;
  }
  const base = new URL(options.appBase ?? import.meta.env.BASE_URL, globalThis.location?.href);
  return openLocalModel(
    map,
    where,
    async (layout) => {
      const url = new URL(layout.manifest, base).href;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`the app's manifest for ${layout.id} (${url}): HTTP ${response.status}`);
      return response.text();
    },
    options,
  );
}

function fromFile(f: File): LocalFile {
  return { size: f.size, read: async () => new Uint8Array(await f.arrayBuffer()) };
}

async function walk(dir: DirectoryLike, prefix: string, out: Map<string, LocalFile>): Promise<void> {
  for await (const [name, handle] of dir.entries()) {
    if (handle.kind === 'directory') await walk(handle as unknown as DirectoryLike, `${prefix}${name}/`, out);
    else out.set(`${prefix}${name}`, fromFile(await (handle as unknown as FileSystemFileHandle).getFile()));
  }
}
