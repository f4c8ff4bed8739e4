/**
 * A project's files in the browser: one folder of the origin private file
 * system per project (`projects/<id>/`), holding its trajectory file, the
 * collection's progress list, collected images and their per-step previews,
 * dynamics, SAE, training checkpoint and latent statistics. Writes use sync
 * access handles, so they run in a worker; reads (`file`) work on the page too.
 */
import type { ProgressStore, RandomAccessFile } from './trajectory-writer';
import { copyStream } from './stream-copy';

/** File names inside a project folder (the page and the worker agree on them). */
export const PROJECT_FILES = {
  trajectories: 'trajectories.safetensors',
  collectProgress: 'trajectories.progress.json',
  dynamics: 'dynamics.safetensors',
  sae: 'sae.safetensors',
  saeCfg: 'cfg.json',
  checkpoint: 'sae.checkpoint.safetensors',
  /** Per-latent statistics of the finished SAE (firing, m_k, histogram, top tokens, neighbours, ‖v_k[s]‖). */
  latentStats: 'latents.safetensors',
  /** Each latent's automatic label and top-image map for the Latents list, made once from the statistics (analysis/latent-labels-file.ts). */
  latentLabels: 'latent-labels.safetensors',
  image: (n: number) => `image-${String(n).padStart(6, '0')}.png`,
  /**
   * Image n's per-step previews: one PNG strip of S frames side by side, frame s
   * the latent left by recorded call s through the model's latent → RGB map
   * (latent resolution). Absent for images collected before previews were
   * saved, or with a model that has no preview map.
   */
  previews: (n: number) => `preview-${String(n).padStart(6, '0')}.png`,
} as const;

/** The part of FileSystemSyncAccessHandle used here (worker-only, so absent from TypeScript's DOM types). */
interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

async function syncHandle(file: FileSystemFileHandle): Promise<SyncAccessHandle> {
  const h = file as FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncAccessHandle> };
  if (!h.createSyncAccessHandle) throw new Error('writing project files needs a dedicated worker (FileSystemSyncAccessHandle)');
  return h.createSyncAccessHandle();
}

export class ProjectFolder {
  private constructor(readonly id: string, private readonly dir: FileSystemDirectoryHandle) {}

  static async open(id: string): Promise<ProjectFolder> {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new Error(`"${id}" is not a project id`);
    const root = await navigator.storage.getDirectory();
    const projects = await root.getDirectoryHandle('projects', { create: true });
    return new ProjectFolder(id, await projects.getDirectoryHandle(id, { create: true }));
  }

  /** Removes a project's folder and everything in it. */
  static async remove(id: string): Promise<void> {
    const root = await navigator.storage.getDirectory();
    const projects = await root.getDirectoryHandle('projects', { create: true });
    await projects.removeEntry(id, { recursive: true }).catch((error: DOMException) => {
      if (error.name !== 'NotFoundError') throw error;
    });
  }

  /** The file as a Blob, or null when it does not exist. */
  async file(name: string): Promise<File | null> {
    try {
      return await (await this.dir.getFileHandle(name)).getFile();
    } catch (error) {
      if ((error as DOMException).name === 'NotFoundError') return null;
      throw error;
    }
  }

  async has(name: string): Promise<boolean> {
    return (await this.file(name)) !== null;
  }

  async remove(name: string): Promise<void> {
    await this.dir.removeEntry(name).catch((error: DOMException) => {
      if (error.name !== 'NotFoundError') throw error;
    });
  }

  /** Every file in the folder (a `.partial` being written is not one). */
  async files(): Promise<File[]> {
    const out: File[] = [];
    for await (const handle of (this.dir as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
      if (handle.kind === 'file' && !handle.name.endsWith('.partial')) out.push(await (handle as FileSystemFileHandle).getFile());
    }
    return out;
  }

  /** Bytes of every file in the folder. */
  async bytesUsed(): Promise<number> {
    return (await this.files()).reduce((sum, f) => sum + f.size, 0);
  }

  /**
   * Replaces a file whole (a Blob streamed in chunk by chunk). Written to
   * `<name>.partial` and moved over the old one, so a killed tab leaves the
   * previous version intact.
   */
  async writeWhole(name: string, data: Blob | Uint8Array): Promise<void> {
    const partialName = `${name}.partial`;
    const partial = await this.dir.getFileHandle(partialName, { create: true });
    const sync = await syncHandle(partial);
    try {
      sync.truncate(0);
      // A Blob (an imported file) is streamed in, never read into memory whole.
      if (data instanceof Uint8Array) sync.write(data, { at: 0 });
      else await copyStream(data.stream(), (bytes, at) => sync.write(bytes, at));
      sync.flush();
    } finally {
      sync.close();
    }
    const movable = partial as FileSystemFileHandle & { move?: (name: string) => Promise<void> };
    await this.remove(name);
    if (!movable.move) throw new Error('this browser cannot rename files in its private file system (FileSystemHandle.move); use Chrome or Edge 110+');
    await movable.move(name);
  }

  /** Random-access reads and writes of one file (a trajectory file being collected). */
  async randomAccess(name: string): Promise<RandomAccessFile> {
    const sync = await syncHandle(await this.dir.getFileHandle(name, { create: true }));
    return {
      size: async () => sync.getSize(),
      async read(offset, length) {
        const out = new Uint8Array(Math.max(0, Math.min(length, sync.getSize() - offset)));
        sync.read(out, { at: offset });
        return out;
      },
      async write(offset, bytes) {
        sync.write(bytes, { at: offset });
      },
      async truncate(size) {
        sync.truncate(size);
      },
      async close() {
        sync.flush();
        sync.close();
      },
    };
  }

  /** The finished-image list of a collection (JSON), removed when it completes. */
  progressStore(name: string): ProgressStore {
    return {
      load: async () => {
        const file = await this.file(name);
        if (!file) return null;
        const value: unknown = JSON.parse(await file.text());
        if (!Array.isArray(value)) throw new Error(`${name} is not a collection progress file (expected a JSON array of image indices)`);
        return value as number[];
      },
      save: (done) => this.writeWhole(name, new TextEncoder().encode(JSON.stringify(done))),
      clear: () => this.remove(name),
    };
  }
}
