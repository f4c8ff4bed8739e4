/**
 * The download cache in the browser: the origin private file system
 * (navigator.storage.getDirectory()), one folder for model files. A
 * download in progress is `<key>.part`.
 *
 * Appending: in a dedicated worker a sync access handle writes in place. On
 * the main thread only `createWritable` exists, which writes to a swap file
 * that replaces the entry on `close` — and reopening with keepExistingData
 * copies the whole file — so one writable stays open per download attempt
 * and is closed (checkpointed) every CHECKPOINT_BYTES, bounding both the
 * copying and what a killed tab loses.
 */
import type { Appender, ByteStore } from './byte-store';
import { ModelSourceError } from './source-error';

const CHECKPOINT_BYTES = 256 * 2 ** 20;

/** The part of FileSystemSyncAccessHandle used here (worker-only, so absent from TypeScript's DOM types). */
interface SyncAccessHandle {
  write(buffer: Uint8Array, options: { at: number }): number;
  getSize(): number;
  flush(): void;
  close(): void;
}

/** The OPFS cache, in folder `folder` of the origin's private root. */
export async function opfsByteStore(folder = 'models'): Promise<ByteStore> {
  if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) {
    throw new ModelSourceError('quota', 'this browser has no origin private file system (navigator.storage.getDirectory), so models cannot be cached; open the model from local files instead');
  }
  const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder, { create: true });
  const handle = async (name: string): Promise<FileSystemFileHandle | null> => {
    try {
      return await dir.getFileHandle(name);
    } catch (error) {
      if ((error as DOMException).name === 'NotFoundError') return null;
      throw error;
    }
  };
  const bytesOf = async (name: string) => {
    const h = await handle(name);
    return h ? new Uint8Array(await (await h.getFile()).arrayBuffer()) : null;
  };
  const sizeOf = async (name: string) => {
    const h = await handle(name);
    return h ? (await h.getFile()).size : null;
  };
  const remove = async (name: string) => {
    try {
      await dir.removeEntry(name);
    } catch (error) {
      if ((error as DOMException).name !== 'NotFoundError') throw error;
    }
  };
  return {
    label: 'the browser storage (OPFS)',
    read: (key) => bytesOf(key),
    size: (key) => sizeOf(key),
    async partialLength(key) {
      return (await sizeOf(`${key}.part`)) ?? 0;
    },
    async readPartial(key) {
      return (await bytesOf(`${key}.part`)) ?? new Uint8Array(0);
    },
    async appender(key) {
      return openAppender(await dir.getFileHandle(`${key}.part`, { create: true }));
    },
    async commit(key) {
      const part = await dir.getFileHandle(`${key}.part`);
      // move() renames in place (Chromium, Firefox, Safari 17+; not yet in TypeScript's DOM types).
      const movable = part as FileSystemFileHandle & { move?: (name: string) => Promise<void> };
      if (movable.move) {
        await remove(key);
        await movable.move(key);
        return;
      }
      const target = await (await dir.getFileHandle(key, { create: true })).createWritable();
      await (await part.getFile()).stream().pipeTo(target);
      await remove(`${key}.part`);
    },
    async discard(key) {
      await remove(`${key}.part`);
      await remove(key);
    },
    async available() {
      const { quota, usage } = await navigator.storage.estimate();
      return quota === undefined ? null : quota - (usage ?? 0);
    },
    async persist() {
      return (await navigator.storage.persist?.()) ?? false;
    },
  };
}

async function openAppender(file: FileSystemFileHandle): Promise<Appender> {
  const syncable = file as FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncAccessHandle> };
  if (syncable.createSyncAccessHandle) {
    try {
      const sync = await syncable.createSyncAccessHandle();
      return {
        async write(bytes) {
          sync.write(bytes, { at: sync.getSize() });
        },
        async close() {
          sync.flush();
          sync.close();
        },
      };
    } catch {
      // Sync handles exist only in dedicated workers: fall through to a writable.
    }
  }
  let size = (await file.getFile()).size;
  let writable: FileSystemWritableFileStream | null = null;
  let sinceCheckpoint = 0;
  const open = async () => {
    const w = await file.createWritable({ keepExistingData: true });
    await w.seek(size);
    return w;
  };
  return {
    async write(bytes) {
      writable ??= await open();
      await writable.write(bytes as Uint8Array<ArrayBuffer>);
      size += bytes.length;
      sinceCheckpoint += bytes.length;
      if (sinceCheckpoint >= CHECKPOINT_BYTES) {
        await writable.close();
        writable = null;
        sinceCheckpoint = 0;
      }
    },
    async close() {
      await writable?.close();
      writable = null;
    },
  };
}
