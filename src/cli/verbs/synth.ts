import { DEFAULT_SYNTHETIC, syntheticTrajectories } from '../../data/synthetic-trajectories';
import { serializeTrajectoryFile } from '../../data/trajectory-file';
import { saveBlob } from '../files';
import { choiceOption, numberOption, parseOptions, requiredString, type OptionSpec } from '../options';
import { note } from '../progress';

export const synthOptions: OptionSpec = {
  out: { type: 'string', help: 'trajectory file to write (.safetensors)' },
  images: { type: 'string', help: 'number of images N (default 16)' },
  size: { type: 'string', help: 'feature map height = width (default 8)' },
  steps: { type: 'string', help: 'recorded steps S (default 5)' },
  channels: { type: 'string', help: 'channels d (default 64)' },
  features: { type: 'string', help: 'planted sparse features (default 64)' },
  active: { type: 'string', help: 'planted features active per token (default 3)' },
  dtype: { type: 'string', help: 'F32 or F16 (default F32)' },
  seed: { type: 'string', help: 'random seed (default 1)' },
};

/** `synth`: writes a trajectory file with known linear dynamics and planted features (for trying the other verbs). */
export async function synth(argv: string[]): Promise<void> {
  const v = parseOptions('synth', argv, synthOptions);
  const out = requiredString('synth', v, 'out');
  const size = numberOption('synth', v, 'size', { default: 8, min: 1, integer: true });
  const spec = {
    ...DEFAULT_SYNTHETIC,
    images: numberOption('synth', v, 'images', { default: 16, min: 1, integer: true }),
    height: size,
    width: size,
    steps: numberOption('synth', v, 'steps', { default: 5, min: 2, integer: true }),
    channels: numberOption('synth', v, 'channels', { default: 64, min: 1, integer: true }),
    features: numberOption('synth', v, 'features', { default: 64, min: 1, integer: true }),
    activePerToken: numberOption('synth', v, 'active', { default: 3, min: 0 }),
    seed: numberOption('synth', v, 'seed', { default: 1, min: 0, integer: true }),
  };
  const dtype = choiceOption('synth', v, 'dtype', ['F32', 'F16'] as const, 'F32');
  note(`synth: ${spec.images} images × ${spec.steps} steps × ${size}×${size} positions × ${spec.channels} channels`);
  const data = syntheticTrajectories(spec);
  const meta = {
    model: 'synthetic',
    hook: 'synthetic',
    stepIndices: Array.from({ length: spec.steps }, (_, s) => s),
    timesteps: Array.from({ length: spec.steps }, (_, s) => Math.round(999 - (s * 999) / Math.max(1, spec.steps - 1))),
    height: size,
    width: size,
    prompts: Array.from({ length: spec.images }, (_, n) => `synthetic image ${n}`),
    seeds: Array.from({ length: spec.images }, (_, n) => spec.seed * 100_000 + n),
  };
  await saveBlob(out, serializeTrajectoryFile(meta, data.activations, spec.channels, dtype));
  process.stdout.write(`${JSON.stringify({ out, images: spec.images, steps: spec.steps, positions: size * size, channels: spec.channels })}\n`);
}
