/**
 * Copies a byte stream into a file chunk by chunk, so a file of any size is
 * never held in memory whole (an imported trajectory file can be GBs).
 * `write` is FileSystemSyncAccessHandle.write's shape: bytes at an offset,
 * returning how many it wrote. Returns the bytes copied.
 */
export async function copyStream(stream: ReadableStream<Uint8Array>, write: (bytes: Uint8Array, options: { at: number }) => number): Promise<number> {
  const reader = stream.getReader();
  let at = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return at;
      const written = write(value, { at });
      if (written !== value.byteLength) throw new Error(`wrote ${written} of ${value.byteLength} bytes at offset ${at}: the disk may be full`);
      at += written;
    }
  } finally {
    reader.releaseLock();
  }
}
