import type { GpuContext } from '../gpu/context';
import { exclusiveScanU32 } from './exclusive-scan';
import type { LatentBlocks } from './latent-blocks';

/**
 * shaders/sae-topk.wgsl's workgroup: 64 threads of 8 latents each, so one
 * workgroup handles a CHUNK of 512 latents of a row. Emulated adapters
 * (SwiftShader) pay per workgroup and per barrier; real GPUs get fewer global
 * histogram atomics.
 */
const TOPK_CONSTANTS = { WG: 64, ITEMS: 8 };
const CHUNK = TOPK_CONSTANTS.WG * TOPK_CONSTANTS.ITEMS;
/** Radix passes: 4 over the value's bytes, 4 over the tie-breaking index's bytes; 256 histogram bins per segment. */
const PASSES = 8;
const BINS = 256;

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
 * Selects active latents from latent-blocked pre-activations
 * (shaders/sae-topk.wgsl: radix select on the float bits, then a
 * deterministic compaction). Owns its scratch buffers and its output list;
 * `select` only records dispatches.
 */
export class ActiveSelector {
  readonly out: ActiveSet;
  /** [rows] × (value_key, index_key, remaining, done) u32: the threshold found; for batchtopk, entry 0. */
  readonly state: GPUBuffer;
  private readonly hist: GPUBuffer;
  private readonly chunkCounts: GPUBuffer;
  private readonly rowCount: GPUBuffer;
  private readonly zero: GPUBuffer;
  private readonly chunkBase: number[];
  private readonly chunksPerRow: number;

  constructor(
    private readonly ctx: GpuContext,
    readonly rows: number,
    private readonly blocks: LatentBlocks,
    capacity: number,
    label: string,
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
    this.state = ctx.createBuffer(rows * 16, `${label}.state`);
    this.hist = ctx.createBuffer(rows * BINS * 4, `${label}.hist`);
    this.chunkCounts = ctx.createBuffer(rows * chunks * 4, `${label}.chunkCounts`);
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
    const { ctx, rows, blocks } = this;
    if (pre.length !== blocks.blocks.length) throw new RangeError(`select: ${pre.length} pre-activation blocks, but the layout has ${blocks.blocks.length}`);
    if (selection.kind !== 'threshold' && (!Number.isInteger(selection.k) || selection.k < 1 || selection.k > blocks.latents)) {
      throw new RangeError(`select: k = ${selection.k}, but it must be an integer in [1, ${blocks.latents}]`);
    }
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
      shader: 'sae-topk',
      entryPoint: 'start',
      bindings: [threshold, this.state, this.hist],
      params: [segments, selection.kind === 'threshold' ? 1 : 0, k],
      workgroups: [Math.ceil(segments / 64)],
    });
    if (selection.kind !== 'threshold') {
      for (let pass = 0; pass < PASSES; pass++) {
        pre.forEach((block, i) =>
          ctx.dispatch({ shader: 'sae-topk', entryPoint: 'histogram', constants: TOPK_CONSTANTS, bindings: [block, idle, this.state, this.hist], params: blockParams(i, pass), workgroups: grid(i) }),
        );
        ctx.dispatch({ shader: 'sae-topk', entryPoint: 'select_pass', bindings: [this.hist, this.state], params: [segments, pass], workgroups: [Math.ceil(segments / 64)] });
      }
    }

    // Compaction.
    pre.forEach((block, i) =>
      ctx.dispatch({ shader: 'sae-topk', entryPoint: 'count', constants: TOPK_CONSTANTS, bindings: [block, idle, this.state, this.chunkCounts], params: blockParams(i, 0), workgroups: grid(i) }),
    );
    ctx.dispatch({ shader: 'sae-topk', entryPoint: 'offsets', bindings: [this.chunkCounts, this.rowCount], params: blockParams(0, 0), workgroups: [Math.ceil(rows / 64)] });
    exclusiveScanU32(ctx, this.rowCount, this.out.rowStart, rows);
    const o = this.out;
    pre.forEach((block, i) =>
      ctx.dispatch({
        shader: 'sae-topk',
        entryPoint: 'write',
        constants: TOPK_CONSTANTS,
        bindings: [block, idle, this.state, this.chunkCounts, o.rowStart, o.latent, o.value, o.row],
        params: blockParams(i, 0),
        workgroups: grid(i),
      }),
    );
  }

  /** Releases the GPU buffers. */
  destroy(): void {
    for (const b of [this.state, this.hist, this.chunkCounts, this.rowCount, this.zero, this.out.rowStart, this.out.latent, this.out.value, this.out.row]) b.destroy();
  }
}
