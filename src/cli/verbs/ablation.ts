import { TrajectoryReader } from '../../data/trajectory-file';
import { runAblation, type AblationRow } from '../../flows/ablation';
import { openFile } from '../files';
import { commandGpu } from '../gpu';
import { choiceOption, numberOption, parseOptions, requiredString, type OptionSpec } from '../options';
import { note } from '../progress';
import { parseSaeSettings, saeSettingOptions } from '../sae-options';

export const ablationOptions: OptionSpec = {
  traj: { type: 'string', help: 'trajectory file (.safetensors)' },
  ...saeSettingOptions,
  activation: { type: 'string', help: 'batchtopk | topk | relu (default topk: exactly equal L0 in every arm)' },
  variant: { type: 'string', help: 'dynamics of the residualized arms: full | diagonal | identity (default full)' },
  heldout: { type: 'string', help: 'share of images held out for measuring (default 0.2)' },
  json: { type: 'boolean', help: 'print one JSON object per arm instead of the table' },
};

/** `ablation`: the paper's four SAEs at equal latents and L0 per trajectory, measured on held-out images. */
export async function ablation(argv: string[]): Promise<void> {
  const v = parseOptions('ablation', argv, ablationOptions);
  const reader = await TrajectoryReader.open(await openFile(requiredString('ablation', v, 'traj'), 'trajectory'));
  const { steps, sae } = parseSaeSettings('ablation', v);
  // TopK keeps L0 exactly equal across the arms; BatchTopK's inference threshold only matches it on average.
  if (v.activation === undefined) sae.activation = 'topk';
  const ctx = await commandGpu();
  const rows = await runAblation(ctx, reader, {
    sae,
    steps,
    variant: choiceOption('ablation', v, 'variant', ['full', 'diagonal', 'identity'] as const, 'full'),
    heldoutFraction: numberOption('ablation', v, 'heldout', { default: 0.2, min: 0 }),
    onArm: (arm, phase) => note(`ablation: ${arm}: ${phase}`),
  });
  if (v.json === true) {
    for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
    return;
  }
  process.stdout.write(table(rows));
}

function table(rows: AblationRow[]): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const header = ['arm', 'k/row', 'L0', 'FVU x', 'FVU z', 'FVU x per step', 'dead', 'dense'];
  const body = rows.map((r) => [
    r.arm,
    String(r.kPerRow),
    r.l0.toFixed(1),
    pct(r.fvuX),
    pct(r.fvuZ),
    r.fvuXPerStep.map(pct).join(' '),
    `${r.deadPercent.toFixed(1)}%`,
    `${r.densePercent.toFixed(1)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return `${[line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n')}\n(FVU z is each arm's own input space; FVU x is comparable across arms. Measured on held-out images.)\n`;
}
