/**
 * SAE files. Ours, in SAELens layout (all F32, row-major):
 *
 *   W_enc: [d_in, d_sae]   b_enc: [d_sae]
 *   W_dec: [d_sae, d_in]   b_dec: [d_in]
 *   threshold: [d_sae]     optional: per-latent inference threshold
 *                          (JumpReLU; BatchTopK's batch-free inference form)
 *
 * with encoder f = σ(W_encᵀ (z − b_dec) + b_enc), decoder ẑ = W_decᵀ f + b_dec.
 * The config is SAELens-style cfg.json: it sits beside the weights and is
 * also copied into `__metadata__.cfg`, so a single `--sae X.safetensors`
 * file is self-contained. SAELens and sparsify files are read too
 * (sae-import.ts).
 */
import { SafetensorsFile, serializeSafetensors, type ByteSource, type TensorEntry } from '../data/safetensors';
import { checkKind } from '../data/safetensors-checks';
import { importSaeLens, importSparsify, type Json } from './sae-import';
import { fail, validateSaeWeights, type SaeFileConfig, type SaeWeights } from './sae-weights';

export { SAE_ARCHITECTURES, validateSaeWeights, type SaeArchitecture, type SaeFileConfig, type SaeWeights } from './sae-weights';

const KIND = 'sae';

/**
 * cfg.json text for an SAE we write (weights always F32). Besides our
 * fields it carries the keys older and newer SAELens versions read, so
 * SAELens tooling can inspect it.
 */
export function saeCfgJson(cfg: SaeFileConfig): string {
  const activationFn = cfg.architecture === 'standard' ? 'relu' : cfg.architecture;
  return JSON.stringify(
    {
      ...cfg,
      dtype: 'float32',
      activation_fn_str: activationFn,
      activation_fn_kwargs: cfg.k === null ? {} : { k: cfg.k },
      // Our encoder subtracts b_dec before W_enc, as SAELens does with this flag.
      apply_b_dec_to_input: true,
      meta: { model_name: cfg.model_name, hook_name: cfg.hook_name },
    },
    null,
    2,
  );
}

/** One self-contained safetensors file: the tensors above plus `__metadata__` {kind: "sae", cfg: cfg.json text}. */
export function serializeSaeFile(w: SaeWeights): Blob {
  validateSaeWeights(w);
  const { d_in, d_sae } = w.cfg;
  const tensors: Record<string, TensorEntry> = {
    W_enc: { dtype: 'F32', shape: [d_in, d_sae], data: w.W_enc },
    b_enc: { dtype: 'F32', shape: [d_sae], data: w.b_enc },
    W_dec: { dtype: 'F32', shape: [d_sae, d_in], data: w.W_dec },
    b_dec: { dtype: 'F32', shape: [d_in], data: w.b_dec },
  };
  if (w.threshold !== undefined) tensors.threshold = { dtype: 'F32', shape: [d_sae], data: w.threshold };
  return serializeSafetensors(tensors, { kind: KIND, cfg: saeCfgJson(w.cfg) });
}

function parseCfg(text: string, origin: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    fail(`${origin} is not JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${origin} must be a JSON object`);
  return v as Json;
}

/**
 * Reads an SAE saved by us, SAELens or sparsify (detected from the tensor
 * names). The config comes from `cfgJson` (the cfg.json beside the
 * weights) when given, else from `__metadata__.cfg` (our single-file form).
 */
export async function readSaeFile(source: ByteSource, cfgJson?: string): Promise<SaeWeights> {
  const file = await SafetensorsFile.open(source);
  const ours = file.metadata.kind === KIND;
  checkKind(file.metadata, KIND, (message) => fail(`SAE file: ${message}`));
  const cfgText = cfgJson ?? file.metadata.cfg;
  if (cfgText === undefined) {
    fail('SAE file has no config: pass the cfg.json that sits beside the weights (SAELens and sparsify keep it there)');
  }
  const cfg = parseCfg(cfgText, cfgJson !== undefined ? 'cfg.json' : '__metadata__.cfg');
  if (file.tensors.has('encoder.weight')) return validateSaeWeights(await importSparsify(file, cfg));
  if (file.tensors.has('W_enc')) return validateSaeWeights(await importSaeLens(file, cfg, ours ? 'Trajectory Lab' : 'SAELens'));
  return fail(
    `SAE file: found tensors ${[...file.tensors.keys()].join(', ') || '(none)'}; expected W_enc, b_enc, W_dec, b_dec (ours, SAELens) ` +
      'or encoder.weight, encoder.bias, W_dec, b_dec (sparsify)',
  );
}
