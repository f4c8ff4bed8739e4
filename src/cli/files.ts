import { createWriteStream, existsSync, openAsBlob } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError } from './usage-error';

/** A file as a Blob, read lazily by byte ranges (trajectory files can exceed memory). */
export async function openFile(path: string, what: string): Promise<Blob> {
  if (!existsSync(path)) throw new UsageError(`${what} file not found: ${path}`);
  return openAsBlob(path);
}

/** Streams a Blob to disk. */
export async function saveBlob(path: string, blob: Blob): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await pipeline(Readable.fromWeb(blob.stream() as import('node:stream/web').ReadableStream), createWriteStream(path));
}

export async function saveText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** Writes `parts` in order without joining them (a hooked UNet's parts are views into weights too large to copy again). */
export async function saveParts(path: string, parts: readonly Uint8Array[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const file = await open(path, 'w');
  try {
    for (const part of parts) await file.write(part);
  } finally {
    await file.close();
  }
}
