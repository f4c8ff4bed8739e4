import { describe, expect, it } from 'vitest';
import { copyStream } from './stream-copy';

/** A file in memory with FileSystemSyncAccessHandle's write, recording each write's size. */
function memoryFile(capacity: number) {
  const bytes = new Uint8Array(capacity);
  const writes: number[] = [];
  return {
    bytes,
    writes,
    write: (chunk: Uint8Array, { at }: { at: number }) => {
      const n = Math.max(0, Math.min(chunk.byteLength, capacity - at));
      bytes.set(chunk.subarray(0, n), at);
      writes.push(n);
      return n;
    },
  };
}

describe('copyStream', () => {
  it('writes each chunk at its offset as it arrives, never the whole file at once', async () => {
    const data = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7919) & 255);
    const chunks = [data.subarray(0, 4096), data.subarray(4096, 8192), data.subarray(8192)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const file = memoryFile(data.length);
    expect(await copyStream(stream, file.write)).toBe(data.length);
    expect(file.bytes).toEqual(data);
    expect(file.writes).toEqual([4096, 4096, 10_000 - 8192]);
  });

  it('copies a Blob byte for byte', async () => {
    const data = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 255);
    const file = memoryFile(data.length);
    expect(await copyStream(new Blob([data.subarray(0, 30_000), data.subarray(30_000)]).stream(), file.write)).toBe(data.length);
    expect(file.bytes).toEqual(data);
  });

  it('copies a slice of a Blob (one entry of a project file)', async () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 255);
    const file = memoryFile(400);
    expect(await copyStream(new Blob([data]).slice(100, 500).stream(), file.write)).toBe(400);
    expect(file.bytes).toEqual(data.slice(100, 500));
  });

  it('fails when a write falls short (a full disk) instead of leaving a truncated copy unnoticed', async () => {
    const file = memoryFile(10);
    await expect(copyStream(new Blob([new Uint8Array(64)]).stream(), file.write)).rejects.toThrow(/wrote 10 of 64 bytes at offset 0/);
  });
});
