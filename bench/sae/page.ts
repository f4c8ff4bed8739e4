/**
 * The in-page half of bench/sae, for each case of cases.ts (the SD 1.5 step
 * and the small shapes): our SAE training step against the same TopK step in
 * TF.js (WebGPU backend) and against our encoder product alone, with the
 * dispatches a step records, all on one GPUDevice (onnxruntime-web's, wrapped for our kernels as the app
 * does), the same batch buffer, timed the same way
 * (bench/shared/measure.ts). The first step of ours and of TF.js, from the
 * same weights, is checked against each other before anything is timed.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { version_core, type Tensor2D } from '@tensorflow/tfjs-core';
import { GpuContext } from '../../src/gpu/context';
import { gaussianArray, seededRandom } from '../../src/gpu/random';
import { SaeTrainer } from '../../src/sae/train/trainer';
import { createOrtMatmul } from '../linalg/ort-peer';
import { maxRelativeDifference } from '../shared/agreement';
import { defaultProfileTiming, EXTRA, profileDispatches } from '../shared/dispatch-profile';
import { wallTimes, type TimedRun, type TimingOptions, type WallTimes } from '../shared/measure';
import { adapterName, reportLine, round } from '../shared/report';
import type { BenchOptions } from '../shared/run-page';
import { submitTfjs, tensorOnBuffer, tfjsOnDevice } from '../shared/tfjs-webgpu';
import { saeBenchCases, type SaeCase } from './cases';
import { benchSaeConfig, ourEncoder, ourStep, stepDispatches } from './ours';
import { TfjsTopKSae } from './tfjs-sae';

export interface SaeBenchOptions extends BenchOptions {
  /** Also print where our step's GPU time goes, kernel by kernel (dispatch-profile.ts). */
  profile: boolean;
}

/** One JSON line: *_ms are medians, ratio = peer_ms / ours_ms (> 1: ours is faster), goal: the ratio we aim for. */
export interface SaeBenchLine {
  case: string;
  /** Which of our steps: `SaeTrainer.step <activation>`. */
  ours: string;
  ours_ms: number;
  peer: string;
  peer_ms: number;
  ratio: number;
  goal: number;
  meets_goal: boolean;
  ours_min_ms: number;
  peer_min_ms: number;
  batch: number;
  d_in: number;
  latents: number;
  k: number;
  /** Against our encoder only: the whole step's time over the encoder product's (ours_ms / peer_ms; goal ≤ 1.5). */
  step_over_encoder?: number;
  /** Dispatches one step of ours records. */
  dispatches: number;
  /** Against TF.js only: how closely the first steps agreed (checkFirstStep). */
  first_step?: FirstStepAgreement;
  device: string;
  adapter: string;
}

interface FirstStepAgreement {
  loss_ours: number;
  loss_peer: number;
  /** The largest relative difference over the four gradients. */
  grad_max_rel_diff: number;
  /** Updated W_dec entries that differ by more than lr/100. */
  w_dec_apart: number;
}

declare global {
  interface Window {
    runSaeBench(options: SaeBenchOptions): Promise<void>;
  }
}

/**
 * Interleaved runs, as bench/linalg: the emulated adapter shares its CPU cores
 * with everything else on the machine. Our step against TF.js's: 15 runs each
 * (TF.js's take up to seconds). Our steps against our encoder, which take
 * milliseconds: more runs, since the goal sits within the run-to-run spread.
 */
const TIMING: TimingOptions = { warmup: 2, runs: 15 };
const ENCODER_TIMING: TimingOptions = { warmup: 3, runs: 45 };
/** Our step against TF.js's: the goal is at least 2× faster, or a hand-written kernel is not worth having. */
const PEER_GOAL = 2;
/** Our whole step at most 1.5× our encoder product: everything but the encoder should be cheap. */
const ENCODER_GOAL = 1 / 1.5;
const PROFILE_REPLAYS = 3;
const DEVICE_NOTE = "onnxruntime-web's GPUDevice, shared by all";

window.runSaeBench = async ({ full, profile }) => {
  // ORT's matmul peer is created only for the device it makes (bench/linalg/ort-peer.ts).
  const ort = await createOrtMatmul();
  const device = ort.device;
  const ctx = GpuContext.fromDevice(device);
  const backend = await tfjsOnDevice(device);
  try {
    for (const c of saeBenchCases(full)) await runCase(c, ctx, backend, profile);
  } finally {
    await ort.release();
  }
};

/** One case: TF.js's TopK step, our TopK and BatchTopK steps and our encoder product, interleaved; then the profiles. */
async function runCase(c: SaeCase, ctx: GpuContext, backend: WebGPUBackend, profile: boolean): Promise<void> {
  const device = ctx.device;
  const adapter = adapterName(ctx.summary);
  const batch = ctx.upload(gaussianArray(c.batch * c.dIn, seededRandom(2000)), 'bench.sae.z');
  const z = tensorOnBuffer(batch, [c.batch, c.dIn]) as Tensor2D;
  const trainers = { topk: SaeTrainer.create(ctx, benchSaeConfig(c, 'topk')), batchtopk: SaeTrainer.create(ctx, benchSaeConfig(c, 'batchtopk')) };
  const config = trainers.topk.config;
  const peer = new TfjsTopKSae(await trainers.topk.exportWeights(), config);
  try {
    const firstStep = await checkFirstStep(c, ctx, trainers.topk, peer, batch, z);
    // Both of our trainers start from the same first step (counted: the dispatches of a step).
    const dispatches = { topk: await stepDispatches(ctx, trainers.topk, batch), batchtopk: await stepDispatches(ctx, trainers.batchtopk, batch) };

    const tfjsStep: TimedRun = {
      async run() {
        peer.step(z);
        submitTfjs(backend);
      },
    };
    const [peerTimes, topkAgainstPeer] = await wallTimes(device, [tfjsStep, ourStep(ctx, trainers.topk, batch)], TIMING);
    const encoder = ourEncoder(ctx, trainers.topk, batch);
    const [topkTimes, batchTopkTimes, encoderTimes] = await wallTimes(
      device,
      [ourStep(ctx, trainers.topk, batch), ourStep(ctx, trainers.batchtopk, batch), encoder],
      ENCODER_TIMING,
    );
    encoder.dispose();
    const line = (activation: keyof typeof trainers, ours: WallTimes, peerName: string, peerTimes: WallTimes, goal: number): SaeBenchLine => {
      const ratio = peerTimes.medianMs / ours.medianMs;
      return {
        case: c.name,
        ours: `SaeTrainer.step ${activation}`,
        ours_ms: round(ours.medianMs),
        peer: peerName,
        peer_ms: round(peerTimes.medianMs),
        ratio: round(ratio),
        goal: round(goal),
        meets_goal: ratio >= goal,
        ours_min_ms: round(ours.minMs),
        peer_min_ms: round(peerTimes.minMs),
        batch: c.batch,
        d_in: c.dIn,
        latents: c.latents,
        k: c.k,
        dispatches: dispatches[activation],
        device: DEVICE_NOTE,
        adapter,
      };
    };
    const encoderName = 'our encoderPreActivations alone (matmul nt of z − b_dec, + b_enc)';
    const encoderLine = (activation: keyof typeof trainers, ours: WallTimes): SaeBenchLine => ({
      ...line(activation, ours, encoderName, encoderTimes, ENCODER_GOAL),
      step_over_encoder: round(ours.medianMs / encoderTimes.medianMs),
    });
    await reportLine({ ...line('topk', topkAgainstPeer, `tfjs ${version_core} webgpu TopK SAE step`, peerTimes, PEER_GOAL), first_step: firstStep });
    await reportLine(encoderLine('topk', topkTimes));
    await reportLine(encoderLine('batchtopk', batchTopkTimes));

    if (profile) {
      const timedBy =
        defaultProfileTiming(ctx) === 'alone' ? 'timestamp-query, each dispatch alone' : `wall time: the whole step replayed with the dispatch ${EXTRA} more times, less the step, over ${EXTRA}`;
      for (const [activation, trainer] of Object.entries(trainers)) {
        const costs = await profileDispatches(ctx, () => trainer.step(batch).then(() => undefined), PROFILE_REPLAYS);
        const total = costs.reduce((s, k) => s + k.ms, 0);
        for (const cost of costs) {
          await reportLine({
            case: c.name,
            ours: `SaeTrainer.step ${activation}`,
            kernel: cost.kernel,
            dispatches: cost.count,
            ms: round(cost.ms),
            share: round(cost.ms / total),
            ms_each: cost.msEach.map(round),
            timed_by: timedBy,
          });
        }
      }
    }
  } finally {
    peer.dispose();
    z.dispose();
    for (const trainer of Object.values(trainers)) trainer.destroy();
    batch.destroy();
  }
}

/** Relative agreement of the first step's loss and gradients (f32 sums in different orders: about √rows·2⁻²⁴; a wrong step is off by O(1)). */
const AGREEMENT = 1e-3;
/** Updated decoder entries allowed to differ by more than lr/100 (see checkFirstStep). */
const MOVED_APART = 1e-3;

/**
 * Our first TopK step and TF.js's, from the same weights on the same batch,
 * must agree: the loss, the four gradients, and the updated decoder. Adam's
 * first step moves every entry by ±lr (m̂/√v̂ = sign g), so an entry whose
 * gradient is at rounding level may move opposite ways in the two; all but a
 * MOVED_APART fraction must agree to lr/100 (a skipped update is off by lr everywhere).
 */
async function checkFirstStep(c: SaeCase, ctx: GpuContext, trainer: SaeTrainer, peer: TfjsTopKSae, batch: GPUBuffer, z: Tensor2D): Promise<FirstStepAgreement> {
  await trainer.step(batch);
  peer.step(z);
  const last = peer.last!;
  const ours = await trainer.checkpoint();
  const ourGrads = await trainer.gradients();
  const oursLoss = ours.losses[0];
  const peerLoss = (await last.loss.data())[0];
  const problems: string[] = [];
  const lossDiff = Math.abs(oursLoss - peerLoss) / Math.abs(peerLoss);
  if (!(lossDiff <= AGREEMENT)) problems.push(`loss ${oursLoss} vs ${peerLoss}`);
  const peerGrads = {
    W_encT: transpose(new Float32Array(await last.grads.W_enc.data()), c.dIn, c.latents),
    W_dec: new Float32Array(await last.grads.W_dec.data()),
    b_enc: new Float32Array(await last.grads.b_enc.data()),
    b_dec: new Float32Array(await last.grads.b_dec.data()),
  };
  let gradDiff = 0;
  for (const name of ['W_encT', 'W_dec', 'b_enc', 'b_dec'] as const) {
    const diff = maxRelativeDifference(ourGrads[name], peerGrads[name]);
    if (!(diff <= AGREEMENT)) problems.push(`∂L/∂${name} differs by ${diff.toExponential(2)} of its largest entry`);
    gradDiff = Math.max(gradDiff, diff);
  }
  const oursDec = ours.W_dec as Float32Array;
  const peerDec = new Float32Array(await peer.wDec.data());
  const lr = trainer.config.lr;
  let apart = 0;
  for (let i = 0; i < peerDec.length; i++) if (!(Math.abs(oursDec[i] - peerDec[i]) <= lr / 100)) apart++;
  if (!(apart <= MOVED_APART * peerDec.length)) problems.push(`${apart} of ${peerDec.length} updated W_dec entries differ by more than lr/100`);
  if (problems.length > 0) {
    throw new Error(`${c.name}: our first TopK step and TF.js's disagree (allowed ${AGREEMENT} relative): ${problems.join('; ')}`);
  }
  await ctx.sync();
  return { loss_ours: oursLoss, loss_peer: peerLoss, grad_max_rel_diff: Number(gradDiff.toExponential(2)), w_dec_apart: apart };
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[j * rows + r] = a[r * cols + j];
  return out;
}
