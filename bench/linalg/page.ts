/**
 * The in-page half of bench/linalg: every contestant on one GPUDevice
 * (onnxruntime-web's, wrapped for our kernels as the app does),
 * the same input buffers, timed the same way (measure.ts), results checked
 * against each other before a line is printed.
 */
import { GpuContext } from '../../src/gpu/context';
import { gaussianArray, seededRandom } from '../../src/gpu/random';
import { maxRelativeDifference } from '../shared/agreement';
import { wallTimes, type TimedRun, type TimingOptions, type WallTimes } from '../shared/measure';
import { adapterName, reportLine, round } from '../shared/report';
import type { BenchOptions } from '../shared/run-page';
import { benchCases, flops, type MatmulCase } from './cases';
import { createOrtMatmul } from './ort-peer';
import { ourContestants } from './ours';
import { createTfjsMatmul } from './tfjs-peer';

/**
 * One JSON line: *_ms are medians, ratio = peer_ms / ours_ms (> 1: ours is
 * faster), gflops = ours (2mnk / ours_ms); *_min_ms are the fastest runs and
 * *_iqr_ms the first and third quartiles of the timed runs (the spread).
 */
export interface LinalgBenchLine {
  case: string;
  /** Which of ours (ours.ts). */
  ours: string;
  ours_ms: number;
  peer: string;
  peer_ms: number;
  ratio: number;
  gflops: number;
  ours_min_ms: number;
  peer_min_ms: number;
  ours_iqr_ms: [number, number];
  peer_iqr_ms: [number, number];
  m: number;
  n: number;
  k: number;
  layout: string;
  /** max |C_ours − C_peer| / max |C_peer|. */
  max_rel_diff: number;
  device: string;
  adapter: string;
}

declare global {
  interface Window {
    runLinalgBench(options: BenchOptions): Promise<void>;
  }
}

/** 11 interleaved runs: the emulated adapter shares its CPU cores with everything else on the machine. */
const TIMING: TimingOptions = { warmup: 2, runs: 11 };
/** f32 products in different summation orders agree to about √k·2⁻²⁴ of the largest entry; a wrong kernel is off by O(1). */
const AGREEMENT = 1e-3;
const DEVICE_NOTE = "onnxruntime-web's GPUDevice, shared by all three";

window.runLinalgBench = async ({ full }) => {
  const ort = await createOrtMatmul();
  const ctx = GpuContext.fromDevice(ort.device);
  const tfjs = await createTfjsMatmul(ort.device);
  const adapter = adapterName(ctx.summary);
  try {
    for (const [index, c] of benchCases(full).entries()) {
      const random = seededRandom(1000 + index);
      const a = ctx.upload(gaussianArray(c.m * c.k, random), `bench.${c.name}.A`);
      const b = c.gram ? a : ctx.upload(gaussianArray(c.k * c.n, random), `bench.${c.name}.B`);
      await ctx.sync();
      const peers = [ort, tfjs];
      const peerProducts = peers.map((peer) => peer.prepare(c, a, b));
      const ours = ourContestants(ctx, c, a, b);
      const contestants = [...peerProducts, ...ours.map((o) => o.product)].map((product) => recorded(ort.device, product));
      const times = (await wallTimes(ort.device, contestants, TIMING)).map((t, i) => ({ ...t, iqr: quartiles(contestants[i].samples.slice(TIMING.warmup)) }));
      const peerResults = await Promise.all(peerProducts.map((p) => p.result()));
      for (const [o, { ours: which, product }] of ours.entries()) {
        const result = await product.result();
        for (const [p, peer] of peers.entries()) {
          const diff = maxRelativeDifference(result, peerResults[p]);
          if (!(diff <= AGREEMENT)) {
            throw new Error(`${c.name}: our ${which} result differs from ${peer.name}'s by ${diff.toExponential(2)} of its largest entry (allowed ${AGREEMENT})`);
          }
          await reportLine(line(c, which, times[peers.length + o], peer.name, times[p], diff, adapter));
        }
      }
      for (const product of [...peerProducts, ...ours.map((o) => o.product)]) product.dispose();
      a.destroy();
      if (b !== a) b.destroy();
    }
  } finally {
    await ort.release();
  }
};

/**
 * The contestant, keeping each run's wall time (run until the queue drains, as
 * wallTimes measures it) for the quartiles; the first TIMING.warmup are the
 * warm-up runs, since wallTimes runs every contestant once per round.
 */
function recorded(device: GPUDevice, product: TimedRun): TimedRun & { samples: number[] } {
  const samples: number[] = [];
  return {
    samples,
    async run() {
      const start = performance.now();
      await product.run();
      await device.queue.onSubmittedWorkDone();
      samples.push(performance.now() - start);
    },
  };
}

/** First and third quartiles (linear interpolation between order statistics). */
function quartiles(values: number[]): [number, number] {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q: number) => {
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
  };
  return [at(0.25), at(0.75)];
}

type Timed = WallTimes & { iqr: [number, number] };

function line(c: MatmulCase, ours: string, oursMs: Timed, peer: string, peerMs: Timed, diff: number, adapter: string): LinalgBenchLine {
  return {
    case: c.name,
    ours,
    ours_ms: round(oursMs.medianMs),
    peer,
    peer_ms: round(peerMs.medianMs),
    ratio: round(peerMs.medianMs / oursMs.medianMs),
    gflops: round(flops(c) / oursMs.medianMs / 1e6),
    ours_min_ms: round(oursMs.minMs),
    peer_min_ms: round(peerMs.minMs),
    ours_iqr_ms: [round(oursMs.iqr[0]), round(oursMs.iqr[1])],
    peer_iqr_ms: [round(peerMs.iqr[0]), round(peerMs.iqr[1])],
    m: c.m,
    n: c.n,
    k: c.k,
    layout: c.layout,
    max_rel_diff: Number(diff.toExponential(2)),
    device: DEVICE_NOTE,
    adapter,
  };
}

