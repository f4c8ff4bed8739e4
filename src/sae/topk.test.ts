import { describe, expect, it } from 'vitest';
import type { GpuContext } from '../gpu/context';
import { gaussianArray, seededRandom } from '../gpu/random';
import { testGpu, testGpuAs } from '../gpu/test-gpu';
import { planLatentBlocks } from './latent-blocks';
import { ActiveSelector, type ActiveSet, type Selection } from './topk';

type CpuSelection = { kind: 'topk' | 'batchtopk'; k: number } | { kind: 'threshold'; threshold: number };

/** CPU reference: kept entries sorted by (row, latent). Positive values only; ties keep the earlier index. */
function referenceSelect(pre: Float32Array, rows: number, m: number, sel: CpuSelection, eligible: (j: number) => boolean = () => true) {
  const keep = new Uint8Array(rows * m);
  const candidates = (r: number | null) => {
    const list: number[] = [];
    for (let i = 0; i < rows * m; i++) {
      const row = Math.floor(i / m);
      if ((r === null || row === r) && pre[i] > 0 && eligible(i % m)) list.push(i);
    }
    return list;
  };
  const take = (list: number[], k: number) => {
    // Larger value first; equal values: smaller flat index first.
    list.sort((a, b) => pre[b] - pre[a] || a - b);
    for (const i of list.slice(0, k)) keep[i] = 1;
  };
  if ('k' in sel) {
    if (sel.kind === 'topk') for (let r = 0; r < rows; r++) take(candidates(r), sel.k);
    else take(candidates(null), rows * sel.k);
  } else {
    const threshold = Math.max(sel.threshold, 0);
    for (const i of candidates(null)) if (pre[i] >= threshold) keep[i] = 1;
  }
  const rowStart = [0];
  const latent: number[] = [];
  const value: number[] = [];
  const row: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < m; j++) {
      if (keep[r * m + j]) {
        latent.push(j);
        value.push(pre[r * m + j]);
        row.push(r);
      }
    }
    rowStart.push(latent.length);
  }
  return { rowStart, latent, value, row };
}

/** Pre-activations with many exact ties (quarter steps), zeros and negatives. */
function tiedPre(rows: number, m: number, seed: number): Float32Array {
  const g = gaussianArray(rows * m, seededRandom(seed), 2);
  return g.map((x) => Math.round(x * 4) / 4);
}

async function runSelect(pre: Float32Array, rows: number, m: number, blockSize: number, sel: CpuSelection, idle?: Uint32Array, minIdle = 0) {
  return (await runSelectWithState(pre, rows, m, blockSize, sel, idle, minIdle)).got;
}

/** An active set's CSR lists, as plain arrays (referenceSelect's form). */
async function readActive(ctx: GpuContext, out: ActiveSet) {
  const rowStart = Array.from(await ctx.readU32(out.rowStart));
  const n = rowStart[out.rows];
  return {
    rowStart,
    latent: Array.from(await ctx.readU32(out.latent, 0, n)),
    value: Array.from(await ctx.readF32(out.value, 0, n)),
    row: Array.from(await ctx.readU32(out.row, 0, n)),
  };
}

/** runSelect, and the selector's threshold keys (value_key, index_key) per segment (rows; 1 for batchtopk). */
async function runSelectWithState(pre: Float32Array, rows: number, m: number, blockSize: number, sel: CpuSelection, idle?: Uint32Array, minIdle = 0) {
  const ctx = await testGpu();
  const blocks = planLatentBlocks(m, rows, blockSize * rows * 4);
  expect(blocks.size).toBe(Math.min(blockSize, m));
  const blockBuffers = blocks.blocks.map((b, i) => {
    const data = new Float32Array(rows * b.count);
    for (let r = 0; r < rows; r++) data.set(pre.subarray(r * m + b.start, r * m + b.start + b.count), r * b.count);
    return ctx.upload(data, `pre.${i}`);
  });
  const capacity = rows * m;
  const selector = new ActiveSelector(ctx, rows, blocks, capacity, 'test');
  let selection: Selection;
  if (sel.kind === 'threshold') selection = { kind: 'threshold', threshold: ctx.upload(new Float32Array([sel.threshold]), 'threshold') };
  else selection = sel;
  selector.select(blockBuffers, selection, idle ? { idleTokens: ctx.upload(idle, 'idle'), minIdle } : undefined);
  const got = await readActive(ctx, selector.out);
  const state = await ctx.readU32(selector.state, 0, 4 * (sel.kind === 'batchtopk' ? 1 : rows));
  const keys = Array.from(state).filter((_, i) => i % 4 < 2);
  selector.destroy();
  blockBuffers.forEach((b) => b.destroy());
  return { got, keys };
}

describe('ActiveSelector (sae-topk-blocks.wgsl)', () => {
  it('per-row TopK matches a CPU sort, with ties and odd sizes, in one block and in several', async () => {
    const rows = 33;
    const m = 77;
    const pre = tiedPre(rows, m, 1);
    for (const k of [1, 5, 32]) {
      const want = referenceSelect(pre, rows, m, { kind: 'topk', k });
      expect(await runSelect(pre, rows, m, m, { kind: 'topk', k })).toEqual(want);
      expect(await runSelect(pre, rows, m, 30, { kind: 'topk', k })).toEqual(want);
    }
  });

  it('TopK and BatchTopK across several 512-latent chunks per block and several blocks (m = 1300, blocks of 600)', async () => {
    const rows = 5;
    const m = 1300;
    const pre = tiedPre(rows, m, 2);
    for (const sel of [{ kind: 'topk', k: 300 }, { kind: 'batchtopk', k: 250 }] as const) {
      expect(await runSelect(pre, rows, m, 600, sel)).toEqual(referenceSelect(pre, rows, m, sel));
    }
  });

  it('keeps every positive value when a row has fewer than k', async () => {
    const rows = 5;
    const m = 51;
    const pre = tiedPre(rows, m, 3).map((x, i) => (i % m < 45 ? -Math.abs(x) - 1 : x));
    const want = referenceSelect(pre, rows, m, { kind: 'topk', k: 20 });
    expect(want.rowStart[rows]).toBeLessThan(rows * 20);
    expect(await runSelect(pre, rows, m, 20, { kind: 'topk', k: 20 })).toEqual(want);
  });

  it('BatchTopK keeps the top rows·k of the batch (ties by row-major index)', async () => {
    const rows = 33;
    const m = 61;
    const pre = tiedPre(rows, m, 4);
    for (const k of [3, 8]) {
      const want = referenceSelect(pre, rows, m, { kind: 'batchtopk', k });
      expect(want.rowStart[rows]).toBe(rows * k);
      expect(await runSelect(pre, rows, m, 25, { kind: 'batchtopk', k })).toEqual(want);
    }
  });

  it('threshold mode keeps values ≥ the threshold, and every positive one at threshold 0', async () => {
    const rows = 9;
    const m = 70;
    const pre = tiedPre(rows, m, 5);
    for (const threshold of [1.25, 0]) {
      const want = referenceSelect(pre, rows, m, { kind: 'threshold', threshold });
      expect(await runSelect(pre, rows, m, 33, { kind: 'threshold', threshold })).toEqual(want);
    }
  });

  it('eligibility mask: only idle latents compete (AuxK)', async () => {
    const rows = 11;
    const m = 90;
    const pre = tiedPre(rows, m, 6);
    const rand = seededRandom(7);
    const idle = new Uint32Array(m).map(() => Math.floor(rand() * 100));
    const want = referenceSelect(pre, rows, m, { kind: 'topk', k: 6 }, (j) => idle[j] >= 50);
    expect(await runSelect(pre, rows, m, 40, { kind: 'topk', k: 6 }, idle, 50)).toEqual(want);
  });
});

describe('ActiveSelector, one latent block (sae-topk-rows.wgsl, sae-topk-batch.wgsl)', () => {
  // One block: row_select (TopK, AuxK), the tile-histogram radix passes (BatchTopK), row_count / row_write.
  const oneBlock = (m: number) => m;

  it('TopK and BatchTopK at odd sizes, k = 1, 3, 8, 32, with ties (m = 40, 257, 1000; batch 1 and 1023)', async () => {
    const shapes = [
      { rows: 1023, m: 40 },
      { rows: 1023, m: 257 },
      { rows: 1, m: 1000 },
      { rows: 37, m: 1000 },
    ];
    for (const [s, { rows, m }] of shapes.entries()) {
      const pre = tiedPre(rows, m, 20 + s);
      for (const k of [1, 3, 8, 32]) {
        for (const kind of ['topk', 'batchtopk'] as const) {
          const sel = { kind, k };
          const want = referenceSelect(pre, rows, m, sel);
          expect(await runSelect(pre, rows, m, oneBlock(m), sel), `${kind} rows ${rows} m ${m} k ${k}`).toEqual(want);
        }
      }
    }
  });

  it('rows split over several lanes (m = 3000, 5000) keep the same ties', async () => {
    for (const [rows, m] of [
      [7, 3000],
      [3, 5000],
    ]) {
      const pre = tiedPre(rows, m, 30 + m);
      for (const k of [1, 8, 32, 1500]) {
        const sel = { kind: 'topk', k } as const;
        expect(await runSelect(pre, rows, m, oneBlock(m), sel), `rows ${rows} m ${m} k ${k}`).toEqual(referenceSelect(pre, rows, m, sel));
      }
    }
  });

  it('every value tied: TopK keeps the first k latents, BatchTopK the first rows·k in row-major order', async () => {
    const rows = 9;
    const m = 40;
    const pre = new Float32Array(rows * m).fill(0.5);
    for (const kind of ['topk', 'batchtopk'] as const) {
      const sel = { kind, k: 3 };
      const got = await runSelect(pre, rows, m, m, sel);
      expect(got).toEqual(referenceSelect(pre, rows, m, sel));
      if (kind === 'topk') expect(got.latent.slice(0, 3)).toEqual([0, 1, 2]);
      else expect(got.rowStart).toEqual([0, 27, 27, 27, 27, 27, 27, 27, 27, 27]);
    }
  });

  it('fewer positive values than k: every positive one is kept (a row, and the whole batch)', async () => {
    const rows = 6;
    const m = 257;
    const pre = tiedPre(rows, m, 40).map((x, i) => (i % m < 250 ? -Math.abs(x) - 1 : x));
    for (const sel of [
      { kind: 'topk', k: 32 },
      { kind: 'batchtopk', k: 8 },
    ] as const) {
      const want = referenceSelect(pre, rows, m, sel);
      expect(want.rowStart[rows]).toBeLessThan(rows * Math.min(sel.k, 8));
      expect(await runSelect(pre, rows, m, m, sel)).toEqual(want);
    }
  });

  it('AuxK: only idle latents compete, per row and over several lanes', async () => {
    for (const [rows, m, k] of [
      [1023, 40, 3],
      [33, 257, 32],
      [5, 3000, 8],
    ]) {
      const pre = tiedPre(rows, m, 50 + m);
      const rand = seededRandom(m);
      const idle = new Uint32Array(m).map(() => Math.floor(rand() * 100));
      const sel = { kind: 'topk', k } as const;
      expect(await runSelect(pre, rows, m, m, sel, idle, 50), `rows ${rows} m ${m}`).toEqual(referenceSelect(pre, rows, m, sel, (j) => idle[j] >= 50));
    }
  });

  it('threshold mode (ReLU / BatchTopK inference) in one block', async () => {
    const rows = 1023;
    const m = 40;
    const pre = tiedPre(rows, m, 60);
    for (const threshold of [1.25, 0]) {
      const sel = { kind: 'threshold', threshold } as const;
      expect(await runSelect(pre, rows, m, m, sel)).toEqual(referenceSelect(pre, rows, m, sel));
    }
  });

  it('the same selection and threshold state in one block as in several blocks, and again on a second run', async () => {
    const m = 257;
    // BatchTopK with a fresh selector (no previous threshold: its window is empty) selects over the whole batch.
    for (const [rows, sel] of [
      [64, { kind: 'topk', k: 8 }],
      [64, { kind: 'batchtopk', k: 8 }],
      [32, { kind: 'batchtopk', k: 8 }],
    ] as const) {
      const pre = tiedPre(rows, m, 70);
      const one = await runSelectWithState(pre, rows, m, m, sel);
      const several = await runSelectWithState(pre, rows, m, 100, sel);
      expect(one.got).toEqual(referenceSelect(pre, rows, m, sel));
      expect(one.got).toEqual(several.got);
      // The threshold (the k-th kept value's bits and its index key) that bookkeeping's θ EMA reads.
      expect(one.keys).toEqual(several.keys);
      // Repeatable: a second run gives the same bits.
      expect(await runSelectWithState(pre, rows, m, m, sel)).toEqual(one);
    }
  });

  // 96 rows of 300 (28,800 elements): several window tiles; 32 rows: one. tiedPre's quarter steps tie many values at the threshold.
  // The window's passes are one thread's on a CPU adapter, the workgroup's on a GPU: the test device posing as each.
  it.each([
    [96, true],
    [96, false],
    [32, true],
    [32, false],
  ])('BatchTopK, %i rows (CPU adapter: %s), one selector through successive batches: the window around the previous threshold, holding it and not', async (rows, cpu) => {
    const ctx = await testGpuAs(cpu ? 'cpu' : 'gpu');
    const m = 300;
    const sel = { kind: 'batchtopk', k: 5 } as const;
    const blocks = planLatentBlocks(m, rows, m * rows * 4);
    const selector = new ActiveSelector(ctx, rows, blocks, rows * m, 'successive');
    const a = tiedPre(rows, m, 80);
    // ×1.03 moves the threshold within the window (7/8, 9/8) of a's; ×1.5 out of it, but not out of
    // its first radix digit (the sign and the exponent's top 7 bits), which the whole-batch passes speculate on; ×16 far out of both.
    const a3 = a.map((x) => x * 1.03);
    const a15 = a.map((x) => x * 1.5);
    const b = a.map((x) => x * 16);
    // Which way each selection went (state[1].index_key: 1 = the window's keys, 0 = the whole batch).
    const steps = [
      ['a (no previous threshold)', a, 0],
      ['a again', a, 1],
      ['a × 1.03', a3, 1],
      ['a × 1.5', a15, 0],
      ['b = a × 16', b, 0],
      ['b again', b, 1],
    ] as const;
    for (const [name, pre, window] of steps) {
      const buffer = ctx.upload(pre, `pre.${name}`);
      selector.select([buffer], sel);
      expect(await readActive(ctx, selector.out), name).toEqual(referenceSelect(pre, rows, m, sel));
      expect((await ctx.readU32(selector.state, 4, 4))[1], `${name}: window`).toBe(window);
      buffer.destroy();
    }
    selector.destroy();
  });

  // Beyond the window's reach (2^20 elements), the radix passes over tiles (batch_hist, batch_merge).
  it.each(['cpu', 'gpu'] as const)('BatchTopK over 2^20 elements on a %s: the tile passes, the first digit taken from the previous selection, right and wrong', async (adapter) => {
    const ctx = await testGpuAs(adapter);
    const rows = 1030;
    const m = 1020;
    const sel = { kind: 'batchtopk', k: 7 } as const;
    const blocks = planLatentBlocks(m, rows, m * rows * 4);
    const selector = new ActiveSelector(ctx, rows, blocks, rows * sel.k, 'tiles');
    const a = tiedPre(rows, m, 81);
    // ×16 moves every exponent by 4: the first digit (the sign and the exponent's top 7 bits) differs from a's.
    const b = a.map((x) => x * 16);
    for (const [name, pre] of [['a', a], ['a again', a], ['b', b]] as const) {
      const buffer = ctx.upload(pre, `pre.${name}`);
      selector.select([buffer], sel);
      expect(await readActive(ctx, selector.out), name).toEqual(referenceSelect(pre, rows, m, sel));
      buffer.destroy();
    }
    selector.destroy();
  });
});
