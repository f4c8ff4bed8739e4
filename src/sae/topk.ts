import type { GpuContext } from '../gpu/context';
import { workgroupThreads } from '../gpu/dispatch-grid';
import { unusedView } from '../linalg/element-range';
import { exclusiveScanU32 } from './exclusive-scan';
import type { LatentBlocks } from './latent-blocks';

/**
 * shaders/sae-topk-blocks.wgsl's workgroup (the multi-block path): 64 threads of 8
 * latents each, so one workgroup handles a CHUNK of 512 latents of a row.
 * Emulated adapters (SwiftShader) pay per workgroup and per barrier; real GPUs
 * get fewer global histogram atomics.
 */
const TOPK_CONSTANTS = { WG: 64, ITEMS: 8 };
const CHUNK = TOPK_CONSTANTS.WG * TOPK_CONSTANTS.ITEMS;
/** Radix passes: 4 over the value's bytes, 4 over the tie-breaking index's bytes; 256 histogram bins per segment. */
const PASSES = 8;
const BINS = 256;

/** shaders/sae-topk-rows.wgsl's workgroup size (threads, shared by the rows of a workgroup). */
const ROW_WG = 64;
/**
 * Latents per lane that make a row worth another lane: up to it a row is one
 * thread's loop (no barriers, which emulated adapters pay dearly for: on
 * SwiftShader m = 1024 rows ran ~25% faster on one lane than on four); above,
 * lanes split the row so that long rows (m = 16384) do not serialise on one
 * thread of a real GPU.
 */
const LATENTS_PER_LANE = 1024;
const MAX_LANES = ROW_WG;
/** sae-topk-rows.wgsl's MAX_LIST: the largest k that row_select_list keeps in a thread's list. */
const MAX_ROW_LIST = 64;
/**
 * shaders/sae-topk-batch.wgsl: threads per workgroup on a GPU (workgroupThreads), the fewest candidates
 * per tile (256 a GPU thread: a workgroup's barriers and start-up, which emulated
 * adapters pay per workgroup, stay small beside its reads), and the most tiles
 * the one-workgroup merge sums.
 */
const BATCH_WG = 64;
const MIN_TILE = BATCH_WG * 256;
const MAX_TILES = 1024;
/** BatchTopK's value passes: one per byte of the f32 bits. */
const VALUE_PASSES = 4;
/**
 * Batches of at most this many elements take sae-topk-batch.wgsl's window
 * (batch_window, batch_window_select): one read of the batch, and the digit
 * passes over the keys near the previous threshold alone. Its fallback, when
 * the threshold left the window, selects over the whole batch in one
 * workgroup, which a larger batch should not wait for.
 */
const WINDOW_MAX = 1 << 20;
/** batch_window's tiles: at least MIN_WINDOW_TILE elements (a multiple of 4 · BATCH_WG), about WINDOW_TILES of them. */
const MIN_WINDOW_TILE = 4096;
const WINDOW_TILES = 64;

/** Threads per row in sae-topk-rows.wgsl: a power of two, ~LATENTS_PER_LANE latents each, at most MAX_LANES. */
function lanesPerRow(latents: number): number {
  let lanes = 1;
  while (lanes < MAX_LANES && lanes * LATENTS_PER_LANE < latents) lanes *= 2;
  return lanes;
}

/**
 * The active latents of a batch as a CSR list: entry p is (row[p], latent[p],
 * value[p]); rows in order, latents ascending within a row.
 */
export interface ActiveSet {
  rows: number;
  latents: number;
  /** Entries the lists can hold. */
  capacity: number;
  /** [rows + 1] u32; rowStart[rows] = number of active entries (beyond `capacity`, the tail was dropped). */
  rowStart: GPUBuffer;
  /** [capacity] u32 */
  latent: GPUBuffer;
  /** [capacity] f32: the activation f (positive). */
  value: GPUBuffer;
  /** [capacity] u32 */
  row: GPUBuffer;
}

/** Which values are kept (always positive ones only: σ ends in a ReLU). Ties keep the earlier latent / row. */
export type Selection =
  /** The k largest of each row (TopK). */
  | { kind: 'topk'; k: number }
  /** The rows·k largest of the whole batch (BatchTopK). */
  | { kind: 'batchtopk'; k: number }
  /** Every value ≥ threshold[0] ([1] f32 on the GPU); a threshold ≤ 0 keeps every positive value (ReLU). */
  | { kind: 'threshold'; threshold: GPUBuffer };

/** Only latents idle for at least `minIdle` tokens may be kept (AuxK's dead latents). idleTokens: [latents] u32. */
export interface Eligibility {
  idleTokens: GPUBuffer;
  minIdle: number;
}

/**
 * Selects active latents from latent-blocked pre-activations. Owns its scratch
 * buffers and its output list; `select` only records dispatches.
 *
 * One latent block (every small SAE): a handful of single dispatches
 * whatever the data — TopK / AuxK: shaders/sae-topk-rows.wgsl's row_select
 * (each row's threshold and kept count; row_select_list for small k on rows one thread holds), BatchTopK: shaders/sae-topk-batch.wgsl's
 * window around the previous step's threshold (batch_window, batch_window_select: one read
 * of the batch, the radix passes over the keys near the threshold) up to WINDOW_MAX
 * elements, else four radix passes over tile-private histograms; then row_count (unless
 * row_select gave the counts), exclusive-scan-u32 and row_write. Several
 * blocks: shaders/sae-topk-blocks.wgsl's radix select, one dispatch per block and
 * pass, and its chunked compaction. Both give the same lists and state.
 */
export class ActiveSelector {
  readonly out: ActiveSet;
  /** [max(rows, 2)] × (value_key, index_key, remaining, done) u32: the threshold found; for batchtopk (and threshold), entry 0. */
  readonly state: GPUBuffer;
  private readonly rowCount: GPUBuffer;
  private readonly zero: GPUBuffer;
  /** Single block: BatchTopK's per-tile histograms. Several blocks: the radix histograms. */
  private readonly hist: GPUBuffer;
  /** Several blocks only. */
  private readonly chunkCounts: GPUBuffer | null;
  private readonly chunkBase: number[];
  private readonly chunksPerRow: number;
  private readonly rowConstants: { WG: number; LANES: number; VEC4: number };
  private readonly vec4: boolean;
  private readonly batchTile: number;
  private readonly batchTiles: number;
  /** BatchTopK's window tiles (elements ≤ WINDOW_MAX), else null. */
  private readonly window: { tile: number; tiles: number } | null;
  /** The window's counts and keys, [tiles · (2 + tile)] u32: made at the first BatchTopK selection. */
  private windowBuffer: GPUBuffer | null = null;

  constructor(
    private readonly ctx: GpuContext,
    readonly rows: number,
    private readonly blocks: LatentBlocks,
    capacity: number,
    private readonly label: string,
  ) {
    if (!Number.isInteger(rows) || rows < 1 || rows > ctx.device.limits.maxComputeWorkgroupsPerDimension) {
      throw new RangeError(`${label}: rows = ${rows}, but it must be an integer in [1, ${ctx.device.limits.maxComputeWorkgroupsPerDimension}]`);
    }
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`${label}: capacity = ${capacity}, but it must be an integer ≥ 1`);
    this.chunkBase = [];
    let chunks = 0;
    for (const b of blocks.blocks) {
      this.chunkBase.push(chunks);
      chunks += Math.ceil(b.count / CHUNK);
    }
    this.chunksPerRow = chunks;
    // Rows of a length divisible by 4 are read as vec4s (sae-topk-rows.wgsl and sae-topk-batch.wgsl's VEC4).
    this.vec4 = blocks.latents % 4 === 0;
    this.rowConstants = { WG: ROW_WG, LANES: lanesPerRow(blocks.latents), VEC4: this.vec4 ? 1 : 0 };
    const elements = rows * blocks.latents;
    // Tiles are multiples of 4 · BATCH_WG: each thread's run of a tile starts on a vec4.
    const roundTile = (tile: number) => Math.ceil(tile / (4 * BATCH_WG)) * 4 * BATCH_WG;
    const windowTile = roundTile(Math.max(MIN_WINDOW_TILE, elements / WINDOW_TILES));
    this.window = elements <= WINDOW_MAX ? { tile: windowTile, tiles: Math.ceil(elements / windowTile) } : null;
    this.batchTile = roundTile(Math.max(MIN_TILE, elements / MAX_TILES));
    this.batchTiles = this.window ? 0 : Math.ceil(elements / this.batchTile);
    const single = blocks.blocks.length === 1;
    // BatchTopK's passes keep their progress in entry 1 (sae-topk-batch.wgsl), hence at least two.
    this.state = ctx.createBuffer(Math.max(rows, 2) * 16, `${label}.state`);
    // BatchTopK's whole-batch passes: two histograms a tile (the first pass also speculates on the second digit).
    this.hist = ctx.createBuffer((single ? Math.max(1, 2 * this.batchTiles) : rows) * BINS * 4, `${label}.hist`);
    this.chunkCounts = single ? null : ctx.createBuffer(rows * chunks * 4, `${label}.chunkCounts`);
    this.rowCount = ctx.createBuffer(rows * 4, `${label}.rowCount`);
    this.zero = ctx.createBuffer(4, `${label}.zero`);
    this.out = {
      rows,
      latents: blocks.latents,
      capacity,
      rowStart: ctx.createBuffer((rows + 1) * 4, `${label}.rowStart`),
      latent: ctx.createBuffer(capacity * 4, `${label}.latent`),
      value: ctx.createBuffer(capacity * 4, `${label}.value`),
      row: ctx.createBuffer(capacity * 4, `${label}.row`),
    };
  }

  /** Records the selection of `pre` (one [rows, block.count] f32 buffer per latent block) into `out`. */
  select(pre: readonly GPUBuffer[], selection: Selection, eligible?: Eligibility): void {
    const { blocks } = this;
    if (pre.length !== blocks.blocks.length) throw new RangeError(`select: ${pre.length} pre-activation blocks, but the layout has ${blocks.blocks.length}`);
    if (selection.kind !== 'threshold' && (!Number.isInteger(selection.k) || selection.k < 1 || selection.k > blocks.latents)) {
      throw new RangeError(`select: k = ${selection.k}, but it must be an integer in [1, ${blocks.latents}]`);
    }
    if (pre.length === 1) this.selectOneBlock(pre[0], selection, eligible);
    else this.selectBlocks(pre, selection, eligible);
  }

  /** One block: row_select or the batch radix passes, then row_count, the row-start scan and row_write. */
  private selectOneBlock(pre: GPUBuffer, selection: Selection, eligible?: Eligibility): void {
    const { ctx, rows } = this;
    const m = this.blocks.latents;
    const idle = eligible?.idleTokens ?? this.zero;
    const mask = [eligible ? 1 : 0, eligible?.minIdle ?? 0] as const;
    const rowGroups: [number] = [Math.ceil(rows / (ROW_WG / this.rowConstants.LANES))];
    // Params of sae-topk-rows.wgsl: rows, width, k, batch_mode, use_mask, min_idle, capacity.
    const rowParams = (k: number, batchMode: boolean) => [rows, m, k, batchMode ? 1 : 0, ...mask, this.out.capacity];
    // pre again as vec4s, or the device's spare buffer where the kernel reads scalars.
    const pre4 = this.vec4 ? pre : unusedView(ctx);
    const rowKernel = (entryPoint: string, bindings: GPUBuffer[], params: number[]) =>
      ctx.dispatch({ shader: 'sae-topk-rows', entryPoint, constants: this.rowConstants, bindings: [pre, pre4, idle, ...bindings], params, workgroups: rowGroups });

    let params: number[];
    if (selection.kind === 'topk') {
      // Each row's threshold and kept count in one dispatch: one read of the row where a thread's list holds k.
      params = rowParams(selection.k, false);
      const oneRead = this.rowConstants.LANES === 1 && selection.k <= MAX_ROW_LIST;
      rowKernel(oneRead ? 'row_select_list' : 'row_select', [this.state, this.rowCount], params);
    } else {
      if (selection.kind === 'batchtopk') {
        const elements = rows * m;
        // Params of sae-topk-batch.wgsl: elements, width, tile, tiles, k, use_mask, min_idle, radix_pass.
        const batchParams = (pass: number) => [elements, m, this.batchTile, this.batchTiles, rows * selection.k, ...mask, pass];
        // On a CPU adapter, workgroups of few threads (workgroupThreads): the rest would only wait at the barriers.
        const constants = { WG: workgroupThreads(ctx, BATCH_WG), VEC4: this.rowConstants.VEC4 };
        if (this.window) {
          const { tile, tiles } = this.window;
          this.windowBuffer ??= ctx.createBuffer(tiles * (2 + tile) * 4, `${this.label}.window`);
          const bindings = [pre, pre4, idle, this.state, this.windowBuffer];
          const params = [elements, m, tile, tiles, rows * selection.k, ...mask, 0];
          ctx.dispatch({ shader: 'sae-topk-batch', entryPoint: 'batch_window', constants, bindings, params, workgroups: [tiles] });
          // On a CPU adapter one thread makes the window's passes (sae-topk-batch.wgsl's SERIAL).
          const serial = { ...constants, SERIAL: ctx.summary.isFallbackAdapter ? 1 : 0 };
          ctx.dispatch({ shader: 'sae-topk-batch', entryPoint: 'batch_window_select', constants: serial, bindings, params, workgroups: [1] });
        } else {
          const bindings = [pre, pre4, idle, this.state, this.hist];
          for (let pass = 0; pass < VALUE_PASSES; pass++) {
            ctx.dispatch({ shader: 'sae-topk-batch', entryPoint: 'batch_hist', constants, bindings, params: batchParams(pass), workgroups: [this.batchTiles] });
            ctx.dispatch({ shader: 'sae-topk-batch', entryPoint: 'batch_merge', constants, bindings, params: batchParams(pass), workgroups: [1] });
          }
        }
      } else {
        ctx.dispatch({ shader: 'sae-topk-blocks', entryPoint: 'start', bindings: [selection.threshold, this.state, this.hist], params: [1, 1, 0], workgroups: [1] });
      }
      params = rowParams(0, true);
      rowKernel('row_count', [this.state, this.rowCount], params);
    }
    exclusiveScanU32(ctx, this.rowCount, this.out.rowStart, rows);
    const o = this.out;
    rowKernel('row_write', [this.state, o.rowStart, o.latent, o.value, o.row], params);
  }

  /** Several blocks: shaders/sae-topk-blocks.wgsl's radix select (one dispatch per block and pass) and chunked compaction. */
  private selectBlocks(pre: readonly GPUBuffer[], selection: Selection, eligible?: Eligibility): void {
    const { ctx, rows, blocks } = this;
    const chunkCounts = this.chunkCounts!;
    const batchMode = selection.kind === 'batchtopk';
    const segments = batchMode ? 1 : rows;
    const idle = eligible?.idleTokens ?? this.zero;
    const blockParams = (i: number, pass: number) => {
      const b = blocks.blocks[i];
      return [rows, b.count, b.start, blocks.latents, batchMode ? 1 : 0, eligible ? 1 : 0, eligible?.minIdle ?? 0, pass, this.chunkBase[i], this.chunksPerRow, this.out.capacity];
    };
    const grid = (i: number) => [Math.ceil(blocks.blocks[i].count / CHUNK), rows] as const;

    // Threshold search.
    const threshold = selection.kind === 'threshold' ? selection.threshold : this.zero;
    const k = selection.kind === 'topk' ? selection.k : selection.kind === 'batchtopk' ? rows * selection.k : 0;
    ctx.dispatch({
      shader: 'sae-topk-blocks',
      entryPoint: 'start',
      bindings: [threshold, this.state, this.hist],
      params: [segments, selection.kind === 'threshold' ? 1 : 0, k],
      workgroups: [Math.ceil(segments / 64)],
    });
    if (selection.kind !== 'threshold') {
      for (let pass = 0; pass < PASSES; pass++) {
        pre.forEach((block, i) =>
          ctx.dispatch({ shader: 'sae-topk-blocks', entryPoint: 'histogram', constants: TOPK_CONSTANTS, bindings: [block, idle, this.state, this.hist], params: blockParams(i, pass), workgroups: grid(i) }),
        );
        ctx.dispatch({ shader: 'sae-topk-blocks', entryPoint: 'select_pass', bindings: [this.hist, this.state], params: [segments, pass], workgroups: [Math.ceil(segments / 64)] });
      }
    }

    // Compaction.
    pre.forEach((block, i) =>
      ctx.dispatch({ shader: 'sae-topk-blocks', entryPoint: 'count', constants: TOPK_CONSTANTS, bindings: [block, idle, this.state, chunkCounts], params: blockParams(i, 0), workgroups: grid(i) }),
    );
    ctx.dispatch({ shader: 'sae-topk-blocks', entryPoint: 'offsets', bindings: [chunkCounts, this.rowCount], params: blockParams(0, 0), workgroups: [Math.ceil(rows / 64)] });
    exclusiveScanU32(ctx, this.rowCount, this.out.rowStart, rows);
    const o = this.out;
    pre.forEach((block, i) =>
      ctx.dispatch({
        shader: 'sae-topk-blocks',
        entryPoint: 'write',
        constants: TOPK_CONSTANTS,
        bindings: [block, idle, this.state, chunkCounts, o.rowStart, o.latent, o.value, o.row],
        params: blockParams(i, 0),
        workgroups: grid(i),
      }),
    );
  }

  /** Releases the GPU buffers. */
  destroy(): void {
    for (const b of [this.state, this.hist, this.windowBuffer, this.chunkCounts, this.rowCount, this.zero, this.out.rowStart, this.out.latent, this.out.value, this.out.row]) b?.destroy();
  }
}
