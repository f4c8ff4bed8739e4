import type { GpuContext } from '../gpu/context';
import type { ActiveSet } from './topk';

/**
 * Per-latent activation statistics of a trained SAE over a token stream
 * (DESIGN §1.5–1.6): how often each latent fires, its mean non-zero
 * activation (the steering unit m_k), a histogram of its non-zero
 * activations, and its top-activating tokens.
 *
 * Token t is global: t = n·P + p for image n, position p of a trajectory file.
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
   * SAE's input is block-normalised to unit RMS (DESIGN §1.2), so activations
   * are O(1) and five decades around 1 hold them; pass a range for inputs
   * scaled otherwise. The end bins are open: bin 0 also counts values below
   * min, the last bin values ≥ max, so every firing is counted.
   */
  histogramRange?: readonly [number, number];
  /** Top-activating tokens kept per latent (default 16). */
  topN?: number;
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

  constructor(
    private readonly ctx: GpuContext,
    readonly latents: number,
    options: LatentStatisticsOptions = {},
  ) {
    const { histogramBins = HISTOGRAM_DEFAULTS.bins, histogramRange = [HISTOGRAM_DEFAULTS.min, HISTOGRAM_DEFAULTS.max], topN = TOP_N_DEFAULT } = options;
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
    const { latents, bins, edges, topN, fireCount, sum, histogram, topToken, topValue, topCount } = this;
    for (let r = 0; r < rows; r++) {
      const token = firstToken + r;
      for (let p = rowStart[r]; p < rowStart[r + 1]; p++) {
        const k = latent[p];
        const f = value[p];
        if (k >= latents) throw new RangeError(`LatentStatistics: entry ${p} names latent ${k}, but there are ${latents}`);
        fireCount[k]++;
        sum[k] += f;
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
    };
  }
}
