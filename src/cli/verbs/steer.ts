import { activationNorms } from '../../analysis/activation-norms';
import { pixelChange } from '../../analysis/pixel-change';
import { encodePng } from '../../data/png';
import { TrajectoryReader } from '../../data/trajectory-file';
import { readAttributes } from '../../diffusion/attribute-probe';
import { configureWasm, ModelSession } from '../../diffusion/ort-runtime';
import { STRENGTH_RANGES, STRENGTH_UNITS, UNIT_LABELS } from '../../diffusion/steering-units';
import { SteeringSession } from '../../flows/steer-image';
import { steerSweep } from '../../flows/steer-sweep';
import { readLatentStatistics } from '../../sae/latent-statistics-file';
import { fromSaeFile } from '../../sae/sae-interchange';
import { openFile, saveBlob, saveText } from '../files';
import { imageGrid } from '../../data/image-grid';
import { commandModel, commandModelFiles, MODEL_HELP } from '../model';
import { readDynamicsOption, SAE_DYNAMICS_HELP } from '../input-files';
import { choiceOption, numberOption, optionalString, parseOptions, requiredString, type OptionSpec } from '../options';
import { note } from '../progress';
import { loadSae } from '../sae-files';
import { parseSampler, samplerOptions } from '../sampler-options';
import { UsageError } from '../usage-error';

export const steerOptions: OptionSpec = {
  model: { type: 'string', help: MODEL_HELP },
  prompt: { type: 'string', help: 'the prompt to steer' },
  negative: { type: 'string', help: 'negative prompt (default none)' },
  seed: { type: 'string', help: 'seed (default 0)' },
  sae: { type: 'string', help: 'SAE file (trained on a collected trajectory file: its cfg names the hook and recorded steps)' },
  dynamics: { type: 'string', help: SAE_DYNAMICS_HELP },
  stats: { type: 'string', help: "latent statistics (eval --stats) for m_k; default: m_k measured on the unsteered image" },
  latent: { type: 'string', help: 'latent index, or a comma list to steer several at once' },
  alpha: { type: 'string', help: 'strength α in --unit (negative allowed); one value, or one per latent; with --sweep, the largest strength and the latents\' mix (default: the unit\'s usual largest)' },
  unit: { type: 'string', help: `what α counts: norm (multiples of the hook's mean activation norm ‖x‖, the default; the same push on every model and hook) or mk (multiples of the latent's mean activation m_k)` },
  traj: { type: 'string', help: 'trajectory file the SAE was trained on: the mean activation norm for --unit norm (default: measured on the unsteered image)' },
  sweep: { type: 'string', help: 'N: a strip of N strengths from −α to +α × the early, middle and late thirds of the UNet calls (--out is the strip; a JSON of every image\'s pixel change and probe reading goes beside it)' },
  window: { type: 'string', help: 'UNet calls START:END to steer (default: all)' },
  mask: { type: 'string', help: 'x0,y0,x1,y1: steer only inside this box, in fractions of the image (default: everywhere)' },
  'cond-only': { type: 'boolean', help: 'steer the conditional CFG branch only' },
  ablate: { type: 'boolean', help: "remove the latents (−f_k·v_k as measured on the unsteered run) instead of adding them" },
  unsteered: { type: 'string', help: 'also write the unsteered image here' },
  ...samplerOptions,
  out: { type: 'string', help: 'steered image, or with --sweep the strip (.png)' },
};

function numberList(verb: string, name: string, text: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((x) => !Number.isFinite(x))) throw new UsageError(`${verb}: --${name} must be a number or a comma list of numbers, got "${text}"`);
  return values;
}

/** A box mask at the hook's grid: 1 inside [x0, x1) × [y0, y1) (fractions of the image), 0 outside. */
export function boxMask(text: string, W: number, H: number): Float32Array {
  const box = numberList('steer', 'mask', text);
  if (box.length !== 4 || box.some((x) => x < 0 || x > 1) || box[0] >= box[2] || box[1] >= box[3]) {
    throw new UsageError(`steer: --mask must be x0,y0,x1,y1 with 0 ≤ x0 < x1 ≤ 1 and 0 ≤ y0 < y1 ≤ 1, got "${text}"`);
  }
  const mask = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const cx = (x + 0.5) / W;
      const cy = (y + 0.5) / H;
      mask[y * W + x] = cx >= box[0] && cx < box[2] && cy >= box[1] && cy < box[3] ? 1 : 0;
    }
  }
  return mask;
}

/** `steer`: one image with SAE latents added (or ablated) inside a step window and mask; or, with --sweep, a strip over strength × window. */
export async function steer(argv: string[]): Promise<void> {
  const v = parseOptions('steer', argv, steerOptions);
  const prompt = requiredString('steer', v, 'prompt');
  const out = requiredString('steer', v, 'out');
  const seed = numberOption('steer', v, 'seed', { default: 0, min: 0, integer: true });
  const latents = numberList('steer', 'latent', requiredString('steer', v, 'latent'));
  const unit = choiceOption('steer', v, 'unit', STRENGTH_UNITS, 'norm');
  const ablate = v.ablate === true;
  const sweepText = optionalString(v, 'sweep');
  const count = sweepText === undefined ? null : numberOption('steer', v, 'sweep', { min: 2, integer: true });
  if (count !== null && ablate) throw new UsageError('steer: --sweep scales added latents; it cannot be combined with --ablate');
  const alphaText = optionalString(v, 'alpha') ?? (count !== null || ablate ? String(STRENGTH_RANGES[unit].max) : requiredString('steer', v, 'alpha'));
  const alphas = ablate ? latents.map(() => 1) : numberList('steer', 'alpha', alphaText);
  if (alphas.length !== 1 && alphas.length !== latents.length) throw new UsageError(`steer: ${latents.length} latents but ${alphas.length} alphas; give one alpha or one per latent`);
  const mix = latents.map((latent, j) => ({ latent, alpha: alphas.length === 1 ? alphas[0] : alphas[j] }));

  const file = await loadSae(requiredString('steer', v, 'sae'));
  const dynamics = await readDynamicsOption('steer', v);
  const statsPath = optionalString(v, 'stats');
  const meanActivations = statsPath ? (await readLatentStatistics(await openFile(statsPath, 'latent statistics'))).statistics.meanActivation : undefined;
  const trajPath = optionalString(v, 'traj');
  // Measured (one streamed pass over a file that may be GBs) only when the norm unit asks for them, once.
  let norms: Promise<Float64Array | number[]> | undefined;
  const measureNorms = trajPath ? () => (norms ??= openFile(trajPath, 'trajectory').then((f) => TrajectoryReader.open(f)).then((r) => activationNorms(r)).then((n) => n.meanNorm)) : undefined;
  if (!file.cfg.hook_name) throw new UsageError('steer: the SAE file names no hook (cfg.hook_name); train it from a collected trajectory file');
  const modelSpec = requiredString('steer', v, 'model');
  const model = await commandModel('steer', modelSpec, file.cfg.hook_name);
  const sampler = parseSampler('steer', v, model);
  const session = new SteeringSession(model, { dynamics, sae: fromSaeFile(file, Math.min(1024, model.hook!.height * model.hook!.width)), cfg: file.cfg, meanActivations, activationNorms: measureNorms });
  if (unit === 'norm' && !trajPath) note('steer: no --traj, so the mean activation norm is measured on the unsteered image');

  const windowText = optionalString(v, 'window');
  let window: [number, number] | undefined;
  if (windowText) {
    if (count !== null) throw new UsageError('steer: --sweep steers its own three windows; leave out --window');
    const m = /^(\d+):(\d+)$/.exec(windowText);
    if (!m) throw new UsageError(`steer: --window must be START:END (UNet call indices), got "${windowText}"`);
    window = [Number(m[1]), Number(m[2])];
  }
  const maskText = optionalString(v, 'mask');
  const hook = model.hook!;
  const steering = { unit, mask: maskText ? boxMask(maskText, hook.width, hook.height) : null, conditionalOnly: v['cond-only'] === true };
  const negative = optionalString(v, 'negative');
  const started = performance.now();
  if (count !== null) {
    const manifest = model.manifest;
    const probe = manifest.probe ? await probeSession(modelSpec, manifest.probe.file) : null;
    const max = Math.max(...mix.map((l) => Math.abs(l.alpha)));
    const sweep = await steerSweep(session, prompt, seed, sampler, { ...steering, latents: mix, count, max }, {
      negativePrompt: negative,
      read: probe ? (image) => readAttributes(probe, manifest, image) : undefined,
      onProgress: (doing) => note(`steer: ${doing}`),
    });
    await saveBlob(out, new Blob([(await encodePng(imageGrid(sweep.cells.map((c) => c.image), count))) as Uint8Array<ArrayBuffer>]));
    const json = out.replace(/\.png$/i, '') + '.json';
    const callsRun = sweep.cells.reduce((sum, c) => sum + c.callsRun, 0);
    const seconds = (performance.now() - started) / 1000;
    const images = sweep.cells.map(({ window, calls, strength, latents, callsRun, pixelChange, reading }) => ({ window, calls, strength, latents, calls_rerun: callsRun, mean_abs_pixel_change: pixelChange, reading }));
    await saveText(json, `${JSON.stringify({ prompt, seed, unit, unit_label: UNIT_LABELS[unit], count, max, unsteered_reading: sweep.unsteeredReading, images }, null, 1)}\n`);
    note(`steer: sweep of ${sweep.cells.length} images in ${seconds.toFixed(2)} s; ${callsRun} UNet calls re-run, ${sweep.calls * sweep.cells.length} for as many full regenerations`);
    process.stdout.write(`${JSON.stringify({ out, json, images: sweep.cells.length, unit, max, calls_rerun: callsRun, calls_full: sweep.calls * sweep.cells.length, seconds })}\n`);
    await model.release();
    return;
  }
  const result = await session.steer(prompt, seed, sampler, { ...steering, latents: mix, window, ablate }, negative);
  await saveBlob(out, new Blob([(await encodePng(result.steered.image)) as Uint8Array<ArrayBuffer>]));
  const unsteeredPath = optionalString(v, 'unsteered');
  if (unsteeredPath) await saveBlob(unsteeredPath, new Blob([(await encodePng(result.unsteered.image)) as Uint8Array<ArrayBuffer>]));
  const { width, height, data } = result.unsteered.image;
  note(`steer: ${((performance.now() - started) / 1000).toFixed(2)} s; re-ran ${result.steered.callsRun} of ${result.unsteered.timesteps.length} UNet calls`);
  process.stdout.write(
    `${JSON.stringify({ out, latents, alphas, unit, scales: result.scales, mean_activations: result.meanActivations, activation_norms: result.activationNorms, ablate, calls_rerun: result.steered.callsRun, mean_abs_pixel_change: pixelChange(data, result.steered.image.data, width, height, null, 1, 1).all })}\n`,
  );
  await model.release();
}

/** The model's attribute probe (the toy ships one), on onnxruntime-web's wasm provider. */
async function probeSession(modelSpec: string, file: string): Promise<ModelSession> {
  const files = await commandModelFiles('steer', modelSpec);
  configureWasm(1);
  return ModelSession.create('attribute probe', await files.read(file), { provider: 'wasm' });
}
