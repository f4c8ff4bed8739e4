import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ByteStore } from '../diffusion/sources/byte-store';

/** The download cache in Node: `$TRAJ_CACHE`, else ~/.cache/trajectory-lab. Partial files end in `.part`. */
export function diskByteStore(dir = process.env.TRAJ_CACHE ?? join(homedir(), '.cache', 'trajectory-lab')): ByteStore {
  const file = (key: string) => join(dir, key);
  const part = (key: string) => join(dir, `${key}.part`);
  return {
    async read(key) {
      return existsSync(file(key)) ? new Uint8Array(await readFile(file(key))) : null;
    },
    async partialLength(key) {
      return existsSync(part(key)) ? (await stat(part(key))).size : 0;
    },
    async append(key, bytes) {
      await mkdir(dir, { recursive: true });
      await appendFile(part(key), bytes);
    },
    async commit(key) {
      await mkdir(dir, { recursive: true });
      if (!existsSync(part(key))) await appendFile(part(key), new Uint8Array(0));
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
  };
}
