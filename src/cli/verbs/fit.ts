import { DYNAMICS_VARIANTS, serializeDynamicsFile } from '../../dynamics/dynamics-file';
import { fitDynamics } from '../../dynamics/fit-dynamics';
import { TrajectoryReader } from '../../data/trajectory-file';
import { openFile, saveBlob } from '../files';
import { commandGpu } from '../gpu';
import { choiceOption, numberOption, optionalString, parseOptions, requiredString, type OptionSpec } from '../options';
import { note, progressReporter } from '../progress';
import { UsageError } from '../usage-error';

export const fitOptions: OptionSpec = {
  traj: { type: 'string', help: 'trajectory file (.safetensors, activations [N, S, P, d])' },
  variant: { type: 'string', help: `predictor: ${DYNAMICS_VARIANTS.join(' | ')} (default full)` },
  lambda: { type: 'string', help: 'ridge λ in units of activation variance, or "auto" (held-out choice; default)' },
  heldout: { type: 'string', help: 'share of images held out for λ and held-out R² (default 0.1)' },
  out: { type: 'string', help: 'dynamics file to write (.safetensors)' },
};

/** `fit`: the linear timestep dynamics x_s ≈ A_s x_{s−1} + b_s. */
export async function fit(argv: string[]): Promise<void> {
  const v = parseOptions('fit', argv, fitOptions);
  const trajPath = requiredString('fit', v, 'traj');
  const out = requiredString('fit', v, 'out');
  const variant = choiceOption('fit', v, 'variant', DYNAMICS_VARIANTS, 'full');
  const lambdaText = optionalString(v, 'lambda') ?? 'auto';
  const lambda = lambdaText === 'auto' ? undefined : Number(lambdaText);
  if (lambda !== undefined && !(Number.isFinite(lambda) && lambda >= 0)) throw new UsageError(`fit: --lambda must be "auto" or a number ≥ 0, got "${lambdaText}"`);
  const heldoutFraction = numberOption('fit', v, 'heldout', { default: 0.1, min: 0 });

  const reader = await TrajectoryReader.open(await openFile(trajPath, 'trajectory'));
  note(`fit: ${reader.N} images × ${reader.S} steps × ${reader.P} positions × ${reader.d} channels (${reader.dtype}), variant ${variant}`);
  const ctx = await commandGpu();
  const read = progressReporter('fit: reading');
  const solve = progressReporter('fit: solving');
  const model = await fitDynamics(ctx, reader, {
    variant,
    lambda,
    heldoutFraction,
    onProgress: (p) => (p.phase === 'read' ? read : solve)(p.done, p.total),
  });
  await saveBlob(out, serializeDynamicsFile(model));
  const round = (a: ArrayLike<number>) => Array.from(a, (x) => Number(x.toPrecision(6)));
  process.stdout.write(
    `${JSON.stringify({ out, variant: model.variant, lambda: model.lambda, S: model.S, d: model.d, r2: round(model.r2), r2_heldout: model.r2Heldout ? round(model.r2Heldout) : null, scales: round(model.scales) })}\n`,
  );
}
