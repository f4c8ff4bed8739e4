import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ProgressStore, RandomAccessFile } from '../data/trajectory-writer';

/** A file on disk with random-access reads and writes (created if missing, never truncated on open). */
export async function openDiskFile(path: string): Promise<RandomAccessFile> {
  await mkdir(dirname(path), { recursive: true });
  const handle: FileHandle = await open(path, existsSync(path) ? 'r+' : 'w+');
  return {
    async size() {
      return (await handle.stat()).size;
    },
    async read(offset, length) {
      const out = new Uint8Array(length);
      const { bytesRead } = await handle.read(out, 0, length, offset);
      return out.subarray(0, bytesRead);
    },
    async write(offset, bytes) {
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
    },
    async truncate(size) {
      await handle.truncate(size);
    },
    async close() {
      await handle.sync();
      await handle.close();
    },
  };
}

/** The finished-image list of a collection as `<path>` (JSON), removed when the collection completes. */
export function diskProgressStore(path: string): ProgressStore {
  return {
    async load() {
      if (!existsSync(path)) return null;
      const value: unknown = JSON.parse(await readFile(path, 'utf8'));
      if (!Array.isArray(value)) throw new Error(`${path} is not a collection progress file (expected a JSON array of image indices)`);
      return value as number[];
    },
    async save(done) {
      // Write-then-rename, so a kill mid-write never leaves a torn list.
      await writeFile(`${path}.tmp`, JSON.stringify(done));
      await rename(`${path}.tmp`, path);
    },
    async clear() {
      await rm(path, { force: true });
    },
  };
}
