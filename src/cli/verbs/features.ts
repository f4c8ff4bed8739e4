import { serializeSafetensors } from '../../data/safetensors';
import { saeFeatureTrajectories } from '../../analysis/sae-feature-trajectories';
import { saveBlob } from '../files';
import { commandGpu } from '../gpu';
import { readDynamicsOption, SAE_DYNAMICS_HELP } from '../input-files';
import { parseOptions, requiredString, type OptionSpec } from '../options';
import { note } from '../progress';
import { loadSae } from '../sae-files';

export const featuresOptions: OptionSpec = {
  sae: { type: 'string', help: 'SAE file' },
  dynamics: { type: 'string', help: SAE_DYNAMICS_HELP },
  out: { type: 'string', help: 'file to write: trajectories [m, S, d] and temporal_profile [m, S] (.safetensors)' },
};

/** `features`: every latent's decoder direction as a trajectory in activation space. */
export async function features(argv: string[]): Promise<void> {
  const v = parseOptions('features', argv, featuresOptions);
  const out = requiredString('features', v, 'out');
  const sae = await loadSae(requiredString('features', v, 'sae'));
  const dynamics = await readDynamicsOption('features', v);
  const { d_sae: m } = sae.cfg;
  note(`features: ${m} latents, S = ${dynamics.S}, d = ${dynamics.d}`);
  const ctx = await commandGpu();
  const f = await saeFeatureTrajectories(ctx, dynamics, sae.W_dec, m);
  await saveBlob(
    out,
    serializeSafetensors(
      {
        trajectories: { dtype: 'F32', shape: [m, f.S, f.d], data: f.trajectories },
        temporal_profile: { dtype: 'F32', shape: [m, f.S], data: f.profile },
      },
      { kind: 'feature-trajectories', hook: sae.cfg.hook_name, model: sae.cfg.model_name },
    ),
  );
  process.stdout.write(`${JSON.stringify({ out, latents: m, S: f.S, d: f.d })}\n`);
}
