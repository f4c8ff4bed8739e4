/**
 * The download cache in Node: a folder, `$TRAJ_CACHE` or
 * ~/.cache/trajectory-lab. A download in progress is `<key>.part`; its
 * length is the resume point.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ByteStore } from './byte-store';

export function defaultCacheDir(): string {
  return process.env.TRAJ_CACHE ?? join(homedir(), '.cache', 'trajectory-lab');
}

export function nodeByteStore(dir = defaultCacheDir()): ByteStore {
  const file = (key: string) => join(dir, key);
  const part = (key: string) => join(dir, `${key}.part`);
  const sizeOf = async (p: string) => (existsSync(p) ? (await stat(p)).size : null);
  return {
    label: dir,
    async read(key) {
      return existsSync(file(key)) ? new Uint8Array(await readFile(file(key))) : null;
    },
    size: (key) => sizeOf(file(key)),
    async partialLength(key) {
      return (await sizeOf(part(key))) ?? 0;
    },
    async readPartial(key) {
      return existsSync(part(key)) ? new Uint8Array(await readFile(part(key))) : new Uint8Array(0);
    },
    async appender(key) {
      await mkdir(dir, { recursive: true });
      const handle = await open(part(key), 'a');
      return {
        async write(bytes) {
          await handle.write(bytes);
        },
        close: () => handle.close(),
      };
    },
    async commit(key) {
      await rename(part(key), file(key));
    },
    async discard(key) {
      await rm(part(key), { force: true });
      await rm(file(key), { force: true });
    },
    async available() {
      await mkdir(dir, { recursive: true });
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    },
    // A folder the user owns is never evicted.
    persist: async () => true,
  };
}
