import type { GpuContext } from '../gpu/context';
import { NO_IMAGE, SAMPLE_IMAGES_DEFAULT, sampleDraw } from './image-sample';
import type { ActiveSet } from './topk';

/**
 * Per-latent activation statistics of a trained SAE over a token stream
 * (for the Latents page and steering): how often each latent fires, its mean non-zero
 * activation (the steering unit m_k), a histogram of its non-zero
 * activations, and its top-activating tokens; given the positions per image,
 * also its spatial spread and a random sample of the images it fires on.
 *
 * Token t is global: t = n·P + p for image n, position p of a trajectory file
 * (a per-step SAE's rows: t = (n·P + p)·R + s, R = S rows per position).
 *
 * The reduction runs on the CPU over the read-back CSR list. A batch holds
 * rows·k entries (4096·32 = 131k, 1 MB to read back); one pass touches four
 * per-latent arrays at random, about 0.1 µs per entry (8–13 ms for 131k
 * entries at m = 16384, topN = 16, on a shared 2-core machine; 50–120 ms
 * under load 14), small next to the encoder matmul of the same batch
 * (0.9 TFLOP at d_in = 6400, m = 16384). Done here, the float64 sums and
 * the top-N order are exact and independent of how the stream was batched,
 * which per-latent GPU reductions without float atomics would match only at
 * a cost.
 */

/** Bins per latent histogram and the default range of their edges. */
export const HISTOGRAM_DEFAULTS = { bins: 32, min: 1e-3, max: 1e2 } as const;
export const TOP_N_DEFAULT = 16;
/** Token of an unused top-N slot (a latent that fired fewer than topN times). */
export const NO_TOKEN = 0xffffffff;

export interface LatentStatisticsOptions {
  /** Bins of each latent's activation histogram (default 32). */
  histogramBins?: number;
  /**
   * Range [min, max] of the log-spaced bin edges (default [1e-3, 1e2]). The
   * SAE's input is block-normalised to unit RMS, so activations
   * are O(1) and five decades around 1 hold them; pass a range for inputs
   * scaled otherwise. The end bins are open: bin 0 also counts values below
   * min, the last bin values ≥ max, so every firing is counted.
   */
  histogramRange?: readonly [number, number];
  /** Top-activating tokens kept per latent (default 16). */
  topN?: number;
  /**
   * Hook positions P per image. Given, the statistics also keep each latent's
   * spatial spread and a random sample of its firing images (`spatial`);
   * then each image's rows must arrive in one run (as a stream in file
   * order does, however it is batched).
   */
  positions?: number;
  /** SAE rows per position: 1 for a concat SAE (default), S for a per-step one. */
  rowsPerPosition?: number;
  /** Firing images sampled per latent (default 32). */
  sampleImages?: number;
  /** Seeds the image sample (default 0). */
  sampleSeed?: number;
}

/**
 * Where in the image a latent fires, and on which images.
 *
 * Spatial spread of latent k: among the images where k fires, the mean
 * fraction of the image's P positions where it fires (at any step, for a
 * per-step SAE):
 *   spread_k = (1/|N_k|) Σ_{n ∈ N_k} |{p : f_k(n, p) > 0}| / P = positions_k / (P·|N_k|),
 * N_k the images where k fires, positions_k the (image, position) pairs where
 * it fires. 1/P is one spot, 1 the whole image. Conditioning on firing images
 * keeps it apart from the firing rate (rate = |N_k|/N · spread_k): a rare
 * object latent and a rare texture latent have the same rate but not the
 * same spread. Counting positions rather than weighting by activation keeps
 * it a property of the firing set, as the firing rate is (weighted, one
 * strong position would pull a broad latent down to "one spot"). The
 * identity makes it O(1) per firing: tokens arrive as t = n·P + p in file
 * order, so a latent's firings on one image are consecutive in its stream,
 * and |N_k| and positions_k are counted by remembering, per latent, the last
 * image and position it fired at (2 counters and 2 cursors per latent, no
 * per-image tables, whatever N·P is).
 *
 * The sample: up to `size` of N_k drawn uniformly (reservoir sampling,
 * Vitter's Algorithm R, over each latent's stream of new firing images),
 * the Latents page's "random activating examples" and the images its
 * co-firing is measured on. Each replacement draw is a hash of (seed, k, i)
 * for the latent's i-th image, not a shared generator's next number, so the
 * sample depends on the firing sets only — not on batching, nor on the order
 * of latents in a row's list. Kept here, in the pass that already sees every
 * firing, it costs m·size u32 (2 MB at m = 16384) and no extra encode; per
 * image summaries (analysis/image-activation-summaries.ts) would give the whole N_k, but
 * cost [N, m] floats and a second full pass.
 */
export interface LatentSpatialStatistics {
  /** P positions per image. */
  positions: number;
  /** [m]: |N_k|, the images on which latent k fired. */
  fireImages: Uint32Array;
  /** [m]: spread_k in [1/P, 1]; 0 for a latent that never fired. */
  spread: Float64Array;
  sample: {
    /** Images kept per latent. */
    size: number;
    /** [m, size] sampled firing images in ascending order; slots ≥ min(size, |N_k|) hold NO_IMAGE. */
    image: Uint32Array;
  };
}

export interface LatentStatisticsResult {
  /** Tokens seen. */
  tokens: number;
  /** [m]: tokens on which each latent fired (non-zero activation). */
  fireCount: Uint32Array;
  /** [m]: fireCount / tokens. */
  firingRate: Float64Array;
  /** [m]: mean non-zero activation m_k (0 for a latent that never fired). */
  meanActivation: Float64Array;
  histogram: {
    /** [bins + 1] log-spaced; bin b holds edges[b] ≤ f < edges[b + 1], the end bins open (see options). */
    edges: Float64Array;
    /** [m, bins] row-major; row k sums to fireCount[k]. */
    counts: Uint32Array;
  };
  /**
   * Each latent's topN largest activations, largest first; equal values in
   * ascending token order (the earlier token wins a tie at the cut, however
   * the stream was batched). Slots ≥ count hold token NO_TOKEN, value 0.
   */
  top: {
    /** [m, topN] */
    token: Uint32Array;
    /** [m, topN] */
    value: Float32Array;
    /** [m]: min(topN, fireCount). */
    count: Uint32Array;
  };
  /** Null unless the statistics were told the positions per image. */
  spatial: LatentSpatialStatistics | null;
}

/** Streams encoded batches into per-latent statistics; `result()` can be called at any point. */
export class LatentStatistics {
  readonly bins: number;
  readonly topN: number;
  readonly edges: Float64Array;
  private tokens = 0;
  private readonly fireCount: Uint32Array;
  private readonly sum: Float64Array;
  private readonly histogram: Uint32Array;
  private readonly topToken: Uint32Array;
  private readonly topValue: Float32Array;
  private readonly topCount: Uint32Array;
  private readonly spatial: {
    P: number;
    R: number;
    size: number;
    seed: number;
    fireImages: Uint32Array;
    firePositions: Uint32Array;
    /** Per latent: the last image and (global) position it fired at, NO_IMAGE before its first firing. */
    lastImage: Uint32Array;
    lastPosition: Float64Array;
    sample: Uint32Array;
    /** The stream's current image and the images it has left (each image's rows must come in one run). */
    current: number;
    done: Set<number>;
  } | null;

  constructor(
    private readonly ctx: GpuContext,
    readonly latents: number,
    options: LatentStatisticsOptions = {},
  ) {
    const { histogramBins = HISTOGRAM_DEFAULTS.bins, histogramRange = [HISTOGRAM_DEFAULTS.min, HISTOGRAM_DEFAULTS.max], topN = TOP_N_DEFAULT, positions, rowsPerPosition = 1, sampleImages = SAMPLE_IMAGES_DEFAULT, sampleSeed = 0 } = options;
    if (!Number.isInteger(latents) || latents < 1) throw new RangeError(`LatentStatistics latents = ${latents}, but it must be an integer ≥ 1`);
    if (!Number.isInteger(histogramBins) || histogramBins < 1) throw new RangeError(`LatentStatistics histogramBins = ${histogramBins}, but it must be an integer ≥ 1`);
    if (!Number.isInteger(topN) || topN < 1) throw new RangeError(`LatentStatistics topN = ${topN}, but it must be an integer ≥ 1`);
    const [min, max] = histogramRange;
    if (!(min > 0 && max > min && Number.isFinite(max))) {
      throw new RangeError(`LatentStatistics histogramRange = [${min}, ${max}], but it must be finite with 0 < min < max (the bins are log-spaced)`);
    }
    this.bins = histogramBins;
    this.topN = topN;
    this.edges = Float64Array.from({ length: histogramBins + 1 }, (_, i) => min * (max / min) ** (i / histogramBins));
    this.edges[histogramBins] = max;
    this.fireCount = new Uint32Array(latents);
    this.sum = new Float64Array(latents);
    this.histogram = new Uint32Array(latents * histogramBins);
    this.topToken = new Uint32Array(latents * topN).fill(NO_TOKEN);
    this.topValue = new Float32Array(latents * topN);
    this.topCount = new Uint32Array(latents);
    if (positions === undefined) {
      this.spatial = null;
    } else {
      if (!Number.isInteger(positions) || positions < 1) throw new RangeError(`LatentStatistics positions = ${positions}, but it must be an integer ≥ 1 (hook positions per image)`);
      if (!Number.isInteger(rowsPerPosition) || rowsPerPosition < 1) throw new RangeError(`LatentStatistics rowsPerPosition = ${rowsPerPosition}, but it must be an integer ≥ 1`);
      if (!Number.isInteger(sampleImages) || sampleImages < 1) throw new RangeError(`LatentStatistics sampleImages = ${sampleImages}, but it must be an integer ≥ 1`);
      this.spatial = {
        P: positions,
        R: rowsPerPosition,
        size: sampleImages,
        seed: sampleSeed,
        fireImages: new Uint32Array(latents),
        firePositions: new Uint32Array(latents),
        lastImage: new Uint32Array(latents).fill(NO_IMAGE),
        lastPosition: new Float64Array(latents).fill(-1),
        sample: new Uint32Array(latents * sampleImages).fill(NO_IMAGE),
        current: NO_IMAGE,
        done: new Set(),
      };
    }
  }

  /**
   * Adds the first `rows` rows of an encoded batch (the rest are padding),
   * row r being token firstToken + r. Reads the list back from the GPU.
   */
  async add(active: ActiveSet, firstToken: number, rows = active.rows): Promise<void> {
    if (active.latents !== this.latents) throw new RangeError(`LatentStatistics.add: the active set has ${active.latents} latents, these statistics ${this.latents}`);
    if (!Number.isInteger(rows) || rows < 0 || rows > active.rows) throw new RangeError(`LatentStatistics.add rows = ${rows}, but it must be an integer in [0, ${active.rows}]`);
    const { ctx } = this;
    const rowStart = await ctx.readU32(active.rowStart, 0, rows + 1);
    const count = rowStart[rows];
    if (count > active.capacity) throw new RangeError(`LatentStatistics.add: the active set lists ${count} entries but holds only ${active.capacity}; its tail was dropped`);
    const [latent, value] = count === 0 ? [new Uint32Array(0), new Float32Array(0)] : await Promise.all([ctx.readU32(active.latent, 0, count), ctx.readF32(active.value, 0, count)]);
    this.addEntries(rowStart, latent, value, firstToken);
  }

  /**
   * Adds a CSR list already on the CPU: rows rowStart.length − 1, row r is
   * token firstToken + r, entries rowStart[r] .. rowStart[r + 1] of latent/value.
   */
  addEntries(rowStart: Uint32Array, latent: Uint32Array, value: Float32Array, firstToken: number): void {
    const rows = rowStart.length - 1;
    if (!Number.isInteger(firstToken) || firstToken < 0 || firstToken + rows > NO_TOKEN) {
      throw new RangeError(`LatentStatistics firstToken = ${firstToken}, but tokens firstToken .. firstToken + ${rows} must be integers in [0, ${NO_TOKEN})`);
    }
    const { latents, bins, edges, topN, fireCount, sum, histogram, topToken, topValue, topCount, spatial } = this;
    for (let r = 0; r < rows; r++) {
      const token = firstToken + r;
      // Position and image of the row (when told P): a new image closes the one before.
      let position = -1;
      let image = NO_IMAGE;
      if (spatial) {
        position = Math.floor(token / spatial.R);
        image = Math.floor(position / spatial.P);
        if (image !== spatial.current) {
          if (spatial.done.has(image)) throw new RangeError(`LatentStatistics: token ${token} returns to image ${image} after other images; with positions set, each image's rows must arrive in one run`);
          if (spatial.current !== NO_IMAGE) spatial.done.add(spatial.current);
          spatial.current = image;
        }
      }
      for (let p = rowStart[r]; p < rowStart[r + 1]; p++) {
        const k = latent[p];
        const f = value[p];
        if (k >= latents) throw new RangeError(`LatentStatistics: entry ${p} names latent ${k}, but there are ${latents}`);
        fireCount[k]++;
        sum[k] += f;
        if (spatial) {
          if (spatial.lastPosition[k] !== position) {
            spatial.lastPosition[k] = position;
            spatial.firePositions[k]++;
          }
          if (spatial.lastImage[k] !== image) {
            spatial.lastImage[k] = image;
            // Algorithm R: the i-th image fills slot i − 1 while there is room, else replaces slot j < size with probability size/i.
            const i = ++spatial.fireImages[k];
            const { size } = spatial;
            const slot = i <= size ? i - 1 : Math.floor(sampleDraw(spatial.seed, k, i) * i);
            if (slot < size) spatial.sample[k * size + slot] = image;
          }
        }
        // Bin b: the number of interior edges ≤ f (binary search; the end bins stay open).
        let lo = 0;
        let hi = bins - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (edges[mid] <= f) lo = mid;
          else hi = mid - 1;
        }
        histogram[k * bins + lo]++;
        // Insertion into the latent's sorted top list; (value desc, token asc).
        const base = k * topN;
        let n = topCount[k];
        if (n === topN) {
          const last = base + topN - 1;
          if (f < topValue[last] || (f === topValue[last] && token > topToken[last])) continue;
          n--;
        } else {
          topCount[k] = n + 1;
        }
        let i = base + n;
        while (i > base && (f > topValue[i - 1] || (f === topValue[i - 1] && token < topToken[i - 1]))) {
          topValue[i] = topValue[i - 1];
          topToken[i] = topToken[i - 1];
          i--;
        }
        topValue[i] = f;
        topToken[i] = token;
      }
    }
    this.tokens += rows;
  }

  /** The statistics so far, as fresh arrays. */
  result(): LatentStatisticsResult {
    const { tokens, fireCount, sum } = this;
    return {
      tokens,
      fireCount: fireCount.slice(),
      firingRate: Float64Array.from(fireCount, (c) => (tokens > 0 ? c / tokens : 0)),
      meanActivation: Float64Array.from(fireCount, (c, k) => (c > 0 ? sum[k] / c : 0)),
      histogram: { edges: this.edges.slice(), counts: this.histogram.slice() },
      top: { token: this.topToken.slice(), value: this.topValue.slice(), count: this.topCount.slice() },
      spatial: this.spatialResult(),
    };
  }

  private spatialResult(): LatentSpatialStatistics | null {
    const { spatial } = this;
    if (!spatial) return null;
    const { P, size, fireImages, firePositions } = spatial;
    const image = spatial.sample.slice();
    // Slots in ascending image order (the draw decided which, not where).
    for (let k = 0; k < this.latents; k++) image.subarray(k * size, (k + 1) * size).sort();
    return {
      positions: P,
      fireImages: fireImages.slice(),
      spread: Float64Array.from(fireImages, (c, k) => (c > 0 ? firePositions[k] / (P * c) : 0)),
      sample: { size, image },
    };
  }
}
