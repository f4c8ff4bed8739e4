/**
 * Writes a trajectory file (trajectory-file.ts) image by image, in any order, so a
 * collection can stop and resume without redoing finished images: the file
 * is laid out once (header, then N fixed-size image blocks), each image's
 * block is written at its offset, and the set of finished images is kept
 * beside it. A resumed file is byte-for-byte the file an uninterrupted run
 * writes, because the header is planned from the same metadata and every
 * image lands at the same offset.
 */
import { encodeActivations, trajectoryLayout, type ActivationDtype, type TrajectoryMeta } from './trajectory-file';

/** Random-access bytes of one file: a file on disk in Node, an OPFS file in the browser. */
export interface RandomAccessFile {
  size(): Promise<number>;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, bytes: Uint8Array): Promise<void>;
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

/** Where the list of finished images lives while a collection is incomplete (a small file beside the trajectory file). */
export interface ProgressStore {
  load(): Promise<number[] | null>;
  save(done: readonly number[]): Promise<void>;
  clear(): Promise<void>;
}

export class TrajectoryWriter {
  private constructor(
    private readonly file: RandomAccessFile,
    private readonly progress: ProgressStore,
    private readonly dtype: ActivationDtype,
    private readonly headerBytes: number,
    private readonly imageValues: number,
    readonly totalBytes: number,
    readonly imageCount: number,
    private readonly finished: Set<number>,
  ) {}

  /**
   * Lays out a new file, or (resume) continues one that was started with the
   * same metadata. Refuses to resume a file whose header differs: its
   * prompts, seeds, model, hook or steps are not this collection's.
   */
  static async open(file: RandomAccessFile, progress: ProgressStore, meta: TrajectoryMeta, d: number, dtype: ActivationDtype, resume: boolean): Promise<TrajectoryWriter> {
    const layout = trajectoryLayout(meta, d, dtype);
    const { header, totalBytes } = layout;
    const N = meta.prompts.length;
    const imageValues = meta.stepIndices.length * meta.height * meta.width * d;
    let done: number[] = [];
    const existing = resume ? await progress.load() : null;
    if (existing) {
      const start = await file.read(0, header.length);
      const same = start.length === header.length && start.every((b, i) => b === header[i]) && (await file.size()) === totalBytes;
      if (!same) throw new Error('the trajectory file being resumed was started with other settings (prompts, seeds, model, hook or steps differ); start a new file instead of resuming');
      done = existing.filter((n) => Number.isInteger(n) && n >= 0 && n < N);
    } else {
      await file.truncate(0);
      await file.write(0, header);
      // Reserves the whole file up front, so running out of space shows at the start.
      await file.truncate(totalBytes);
      await progress.save([]);
    }
    return new TrajectoryWriter(file, progress, dtype, header.length, imageValues, totalBytes, N, new Set(done));
  }

  /** Images already in the file (from an earlier, interrupted run). */
  get done(): ReadonlySet<number> {
    return this.finished;
  }

  /** Writes image n's activations [S, P, d] f32 and records it as finished. */
  async writeImage(n: number, activations: Float32Array): Promise<void> {
    if (!Number.isInteger(n) || n < 0 || n >= this.imageCount) throw new RangeError(`image ${n} is outside 0..${this.imageCount - 1}`);
    if (activations.length !== this.imageValues) throw new RangeError(`image ${n} has ${activations.length} values; [S, P, d] needs ${this.imageValues}`);
    const bytes = encodeActivations(activations, this.dtype);
    await this.file.write(this.headerBytes + n * bytes.length, bytes);
    this.finished.add(n);
    await this.progress.save([...this.finished].sort((a, b) => a - b));
  }

  /** Closes the file; when every image is in, the progress record is removed (the file is complete). */
  async close(): Promise<boolean> {
    await this.file.close();
    const complete = this.finished.size === this.imageCount;
    if (complete) await this.progress.clear();
    return complete;
  }
}
