import { existsSync } from 'node:fs';
import { trainSae } from '../../flows/train-sae';
import type { SaeTrainingMetrics } from '../../sae/train/metrics';
import { resolveSaeConfig } from '../../sae/sae-config';
import { toSaeFile } from '../../sae/sae-interchange';
import { commandGpu } from '../gpu';
import { openTrajectoryOption, readDynamicsOption, TRAJ_HELP } from '../input-files';
import { numberOption, parseOptions, requiredString, type OptionSpec } from '../options';
import { parseSaeSettings, saeSettingOptions } from '../sae-options';
import { note } from '../progress';
import { loadCheckpoint, saveCheckpoint, saveSae } from '../sae-files';

export const trainOptions: OptionSpec = {
  traj: { type: 'string', help: TRAJ_HELP },
  dynamics: { type: 'string', help: 'dynamics file from `fit`' },
  ...saeSettingOptions,
  'checkpoint-every': { type: 'string', help: 'steps between checkpoints in OUT.checkpoint.safetensors (default 500; 0: none)' },
  resume: { type: 'boolean', help: 'continue from OUT.checkpoint.safetensors' },
  out: { type: 'string', help: 'SAE file to write (.safetensors, plus cfg.json beside it)' },
};

/** `train`: the residualized temporal SAE on a trajectory file. */
export async function train(argv: string[]): Promise<void> {
  const v = parseOptions('train', argv, trainOptions);
  const out = requiredString('train', v, 'out');
  const reader = await openTrajectoryOption('train', v);
  const dynamics = await readDynamicsOption('train', v);
  const { steps, sae } = parseSaeSettings('train', v);
  const config = resolveSaeConfig({ ...sae, dIn: reader.S * reader.d });
  const checkpointPath = `${out.replace(/\.safetensors$/, '')}.checkpoint.safetensors`;
  const checkpointEvery = numberOption('train', v, 'checkpoint-every', { default: 500, min: 0, integer: true });
  const resume = v.resume === true ? await loadCheckpoint(checkpointPath) : undefined;
  if (v.resume !== true && existsSync(checkpointPath)) note(`train: ${checkpointPath} exists; starting afresh (pass --resume to continue it)`);

  note(`train: ${reader.tokenCount} tokens, z = ${reader.S} steps × ${reader.d} channels = ${config.dIn} dims, m = ${config.latents}, k = ${config.k}, ${config.activation}, batch ${config.batchSize}, ${steps} steps`);
  const ctx = await commandGpu();
  const started = performance.now();
  const result = await trainSae(ctx, reader, dynamics, {
    config,
    steps,
    resume,
    checkpointEvery,
    saveCheckpoint: (checkpoint) => saveCheckpoint(checkpointPath, checkpoint),
    onMetrics: (m) =>
      note(`train: step ${m.step}/${steps}  loss ${m.loss.toPrecision(4)}  fvu ${m.fvu.toPrecision(4)}  L0 ${m.l0.toFixed(1)}  dead ${(100 * m.deadFraction).toFixed(1)}%  auxk ${m.auxKLoss.toPrecision(3)}  (${((performance.now() - started) / 1000).toFixed(0)} s)`),
  });
  await saveSae(out, toSaeFile(config, result.weights, { model: reader.meta.model, hook: reader.meta.hook, dynamics, stepIndices: reader.meta.stepIndices }));
  const last = result.history[result.history.length - 1];
  process.stdout.write(`${JSON.stringify({ out, steps: last.step, tokens: last.tokens, ...summary(last) })}\n`);
}

function summary(m: SaeTrainingMetrics) {
  return { loss: m.loss, fvu_z: m.fvu, l0: m.l0, dead_percent: 100 * m.deadFraction, dense_percent: 100 * m.denseFraction, auxk_loss: m.auxKLoss };
}
