import { encodePng } from '../../data/png';
import { SteeringSession } from '../../flows/steer-image';
import { readLatentStatistics } from '../../sae/latent-statistics-file';
import { fromSaeFile } from '../../sae/sae-interchange';
import { openFile, saveBlob } from '../files';
import { commandModel, MODEL_HELP } from '../model';
import { readDynamicsOption, SAE_DYNAMICS_HELP } from '../input-files';
import { numberOption, optionalString, parseOptions, requiredString, type OptionSpec } from '../options';
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
  alpha: { type: 'string', help: 'strength in units of the mean activation m_k (negative allowed); one value, or one per latent' },
  window: { type: 'string', help: 'UNet calls START:END to steer (default: all)' },
  mask: { type: 'string', help: 'x0,y0,x1,y1: steer only inside this box, in fractions of the image (default: everywhere)' },
  'cond-only': { type: 'boolean', help: 'steer the conditional CFG branch only' },
  ablate: { type: 'boolean', help: "remove the latents (−f_k·v_k as measured on the unsteered run) instead of adding them" },
  unsteered: { type: 'string', help: 'also write the unsteered image here' },
  ...samplerOptions,
  out: { type: 'string', help: 'steered image (.png)' },
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

/** `steer`: one image with SAE latents added (or ablated) inside a step window and mask. */
export async function steer(argv: string[]): Promise<void> {
  const v = parseOptions('steer', argv, steerOptions);
  const prompt = requiredString('steer', v, 'prompt');
  const out = requiredString('steer', v, 'out');
  const seed = numberOption('steer', v, 'seed', { default: 0, min: 0, integer: true });
  const latents = numberList('steer', 'latent', requiredString('steer', v, 'latent'));
  const ablate = v.ablate === true;
  const alphas = ablate ? latents.map(() => 1) : numberList('steer', 'alpha', requiredString('steer', v, 'alpha'));
  if (alphas.length !== 1 && alphas.length !== latents.length) throw new UsageError(`steer: ${latents.length} latents but ${alphas.length} alphas; give one alpha or one per latent`);

  const file = await loadSae(requiredString('steer', v, 'sae'));
  const dynamics = await readDynamicsOption('steer', v);
  const statsPath = optionalString(v, 'stats');
  const meanActivations = statsPath ? (await readLatentStatistics(await openFile(statsPath, 'latent statistics'))).statistics.meanActivation : undefined;
  if (!file.cfg.hook_name) throw new UsageError('steer: the SAE file names no hook (cfg.hook_name); train it from a collected trajectory file');
  const model = await commandModel('steer', requiredString('steer', v, 'model'), file.cfg.hook_name);
  const sampler = parseSampler('steer', v, model);
  const session = new SteeringSession(model, { dynamics, sae: fromSaeFile(file, Math.min(1024, model.hook!.height * model.hook!.width)), cfg: file.cfg, meanActivations });

  const windowText = optionalString(v, 'window');
  let window: [number, number] | undefined;
  if (windowText) {
    const m = /^(\d+):(\d+)$/.exec(windowText);
    if (!m) throw new UsageError(`steer: --window must be START:END (UNet call indices), got "${windowText}"`);
    window = [Number(m[1]), Number(m[2])];
  }
  const maskText = optionalString(v, 'mask');
  const hook = model.hook!;
  const started = performance.now();
  const result = await session.steer(prompt, seed, sampler, {
    latents: latents.map((latent, j) => ({ latent, alpha: alphas.length === 1 ? alphas[0] : alphas[j] })),
    window,
    mask: maskText ? boxMask(maskText, hook.width, hook.height) : null,
    conditionalOnly: v['cond-only'] === true,
    ablate,
  }, optionalString(v, 'negative'));
  await saveBlob(out, new Blob([(await encodePng(result.steered.image)) as Uint8Array<ArrayBuffer>]));
  const unsteeredPath = optionalString(v, 'unsteered');
  if (unsteeredPath) await saveBlob(unsteeredPath, new Blob([(await encodePng(result.unsteered.image)) as Uint8Array<ArrayBuffer>]));
  let changed = 0;
  const a = result.steered.image.data;
  const b = result.unsteered.image.data;
  for (let i = 0; i < a.length; i++) changed += Math.abs(a[i] - b[i]);
  note(`steer: ${((performance.now() - started) / 1000).toFixed(2)} s; re-ran ${result.steered.callsRun} of ${result.unsteered.timesteps.length} UNet calls`);
  process.stdout.write(`${JSON.stringify({ out, latents, alphas, mean_activations: result.meanActivations, ablate, calls_rerun: result.steered.callsRun, mean_abs_pixel_change: changed / a.length })}\n`);
  await model.release();
}
