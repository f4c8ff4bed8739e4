import { INVERSE_MODES } from '../../dynamics/reconstruction-metrics';
import { evaluateSae } from '../../flows/evaluate-sae';
import { latentReport } from '../../analysis/latent-report';
import { serializeLatentStatistics } from '../../sae/latent-statistics-file';
import { fromSaeFile } from '../../sae/sae-interchange';
import { saveBlob } from '../files';
import { commandGpu } from '../gpu';
import { choiceOption, numberOption, optionalString, parseOptions, requiredString, type OptionSpec } from '../options';
import { openTrajectoryOption, readDynamicsOption, SAE_DYNAMICS_HELP, TRAJ_HELP } from '../input-files';
import { progressReporter } from '../progress';
import { loadSae } from '../sae-files';

export const evalOptions: OptionSpec = {
  traj: { type: 'string', help: TRAJ_HELP },
  dynamics: { type: 'string', help: SAE_DYNAMICS_HELP },
  sae: { type: 'string', help: 'SAE file (ours, SAELens or sparsify; cfg.json beside it when the file has none)' },
  batch: { type: 'string', help: 'tokens per batch (default 1024)' },
  inverse: { type: 'string', help: `x-space reconstruction: ${INVERSE_MODES.join(' | ')} (default teacher-forced)` },
  json: { type: 'boolean', help: 'print one JSON object (default: a readable summary)' },
  stats: { type: 'string', help: 'also write per-latent statistics (firing, mean activation, histogram, top tokens, neighbours, temporal profile) to this .safetensors' },
  neighbours: { type: 'string', help: 'decoder-cosine neighbours per latent in --stats (default 8)' },
};

/** `eval`: FVU in z- and x-space (overall and per step), L0, dead and dense latents. */
export async function evaluate(argv: string[]): Promise<void> {
  const v = parseOptions('eval', argv, evalOptions);
  const reader = await openTrajectoryOption('eval', v);
  const dynamics = await readDynamicsOption('eval', v);
  const file = await loadSae(requiredString('eval', v, 'sae'));
  // An SAE one step wide (the ablation's per-step arms) reads each step of a token as its own row.
  const perStep = file.cfg.d_in !== reader.S * reader.d;
  const sae = fromSaeFile(file, numberOption('eval', v, 'batch', { default: 1024, min: 1, integer: true }) * (perStep ? reader.S : 1));
  const inverse = choiceOption('eval', v, 'inverse', INVERSE_MODES, 'teacher-forced');
  const ctx = await commandGpu();
  const report = await evaluateSae(ctx, reader, dynamics, sae, { inverse, perStep, onProgress: progressReporter('eval') });
  const statsPath = optionalString(v, 'stats');
  if (statsPath) {
    const neighbours = numberOption('eval', v, 'neighbours', { default: 8, min: 1, integer: true });
    await saveBlob(statsPath, serializeLatentStatistics(await latentReport(ctx, dynamics, sae, report.statistics, neighbours)));
  }
  const result = {
    tokens: report.tokens,
    fvu_z: report.fvuZ,
    fvu_x: report.fvuX,
    fvu_z_per_step: report.fvuZPerStep,
    fvu_x_per_step: report.fvuXPerStep,
    inverse: report.inverse,
    l0: report.l0,
    dead_percent: report.deadPercent,
    dense_percent: report.densePercent,
    latents: sae.config.latents,
    architecture: file.cfg.architecture,
  };
  if (v.json === true) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  process.stdout.write(
    [
      `tokens          ${result.tokens}`,
      `FVU z           ${pct(result.fvu_z)}   per step ${result.fvu_z_per_step.map(pct).join(' ')}`,
      `FVU x (${inverse}) ${pct(result.fvu_x)}   per step ${result.fvu_x_per_step.map(pct).join(' ')}`,
      `L0              ${result.l0.toFixed(2)}`,
      `dead / dense    ${result.dead_percent.toFixed(2)}% / ${result.dense_percent.toFixed(2)}%`,
    ].join('\n') + '\n',
  );
}
