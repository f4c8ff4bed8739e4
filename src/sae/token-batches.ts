import { seededRandom, shuffleInPlace } from '../gpu/random';
import { imagesToTokens } from '../data/trajectory-file';
import type { TrajectoryImages } from '../dynamics/fit-dynamics';

export interface TokenBatchOptions {
  /** Tokens per batch. */
  batchSize: number;
  /** Seeds the image order and the token shuffle of every epoch. */
  seed: number;
  /** Images to draw from (default: all). */
  images?: readonly number[];
  /**
   * Tokens kept in the shuffle pool (default 16 batches, at most POOL_BYTES of
   * rows): more mixes images better, costs memory.
   */
  poolTokens?: number;
}

/**
 * Cap on the default pool: 16 batches of 4096 SD 1.5 tokens (S·d = 6400 f32)
 * would be 1.7 GB; 256 MiB holds ~10k such tokens (41 images of 256), and
 * every toy-sized pool (S·d ≤ 1000 at 4096 tokens) stays at 16 batches.
 */
export const POOL_BYTES = 256 * 2 ** 20;

/**
 * Shuffled token trajectories, batch after batch, forever (one epoch after
 * another). Tokens of one image are strongly correlated, so batches draw from
 * a pool filled from many images in a seeded random order and shuffled there;
 * the file is read image by image, never whole.
 *
 * A batch is [batchSize, S·d] row-major f32: each row one token's trajectory.
 */
export class TokenBatches {
  private readonly random: () => number;
  private readonly images: readonly number[];
  private readonly rowLength: number;
  private readonly poolTokens: number;
  private order: number[] = [];
  /** Allocated once: the pool tops up to poolTokens with whole images, so it never holds more than poolTokens + P − 1 rows. */
  private readonly pool: Float32Array;
  private poolRows = 0;

  constructor(
    private readonly source: TrajectoryImages,
    private readonly options: TokenBatchOptions,
  ) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize = ${batchSize}, but it must be an integer ≥ 1`);
    this.images = options.images ?? Array.from({ length: source.N }, (_, n) => n);
    if (this.images.length === 0) throw new RangeError('TokenBatches: no images to draw tokens from');
    this.random = seededRandom(options.seed);
    this.rowLength = source.S * source.d;
    const capped = Math.min(16 * batchSize, Math.floor(POOL_BYTES / (this.rowLength * 4)));
    this.poolTokens = Math.max(options.poolTokens ?? capped, batchSize + source.P);
    this.pool = new Float32Array((this.poolTokens + source.P - 1) * this.rowLength);
  }

  async next(): Promise<Float32Array> {
    const { batchSize } = this.options;
    if (this.poolRows < this.poolTokens) await this.refill();
    // Rows were shuffled on entry, so the batch is the pool's tail.
    const start = (this.poolRows - batchSize) * this.rowLength;
    const batch = this.pool.slice(start, start + batchSize * this.rowLength);
    this.poolRows -= batchSize;
    return batch;
  }

  /** Tops the pool up with whole images after the rows it still holds, and shuffles it (Fisher–Yates on rows). */
  private async refill(): Promise<void> {
    const { S, P, d } = this.source;
    const row = this.rowLength;
    const pool = this.pool;
    let rows = this.poolRows;
    while (rows < this.poolTokens) {
      if (this.order.length === 0) this.order = shuffleInPlace([...this.images], this.random);
      const n = this.order.pop()!;
      pool.set(imagesToTokens(await this.source.readImages(n, n + 1), 1, S, P, d), rows * row);
      rows += P;
    }
    const scratch = new Float32Array(row);
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      if (i === j) continue;
      scratch.set(pool.subarray(i * row, (i + 1) * row));
      pool.copyWithin(i * row, j * row, (j + 1) * row);
      pool.set(scratch, j * row);
    }
    this.poolRows = rows;
  }

}

/**
 * Every token of `images` once, in file order, in batches of `batchSize` rows
 * of which the first `tokens` are real (the last batch, or one cut where the
 * image list skips, is padded with zeros): for evaluation and statistics.
 * A batch's tokens are consecutive, numbered from `firstToken` (t = n·P + p).
 */
export async function* tokensInOrder(
  source: TrajectoryImages,
  batchSize: number,
  images: readonly number[] = Array.from({ length: source.N }, (_, n) => n),
): AsyncGenerator<{ rows: Float32Array; tokens: number; firstToken: number }> {
  const { S, P, d } = source;
  const row = S * d;
  let buffer = new Float32Array(batchSize * row);
  let filled = 0;
  let firstToken = 0;
  for (const n of images) {
    if (filled > 0 && firstToken + filled !== n * P) {
      yield { rows: buffer, tokens: filled, firstToken };
      buffer = new Float32Array(batchSize * row);
      filled = 0;
    }
    const tokens = imagesToTokens(await source.readImages(n, n + 1), 1, S, P, d);
    for (let p = 0; p < P; p++) {
      if (filled === 0) firstToken = n * P + p;
      buffer.set(tokens.subarray(p * row, (p + 1) * row), filled * row);
      if (++filled === batchSize) {
        yield { rows: buffer, tokens: filled, firstToken };
        buffer = new Float32Array(batchSize * row);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield { rows: buffer, tokens: filled, firstToken };
}
