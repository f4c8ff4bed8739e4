/**
 * SAEs saved by other tools, each into one SaeWeights:
 * - SAELens (`sae_weights.safetensors` + `cfg.json`): the same tensor names;
 *   cfg `d_in`, `d_sae`, `architecture` (v6) or `activation_fn_str` (older),
 *   `k` (v6) or `activation_fn_kwargs.k`, hook/model names at top level or
 *   under `meta` (v6). BatchTopK SAEs are saved by SAELens as `jumprelu` with
 *   `threshold`. Our own files are SAELens plus extra cfg fields.
 * - EleutherAI sparsify (`sae.safetensors` + `cfg.json`): `encoder.weight`
 *   [num_latents, d_in], `encoder.bias`, `W_dec` [num_latents, d_in], `b_dec`;
 *   cfg `num_latents` (0 → d_in·`expansion_factor`), `k`, `d_in`.
 */
import type { Dtype, SafetensorsFile } from '../data/safetensors';
import { sameShape } from '../data/safetensors-checks';
import { fail, isArchitecture, isPositiveInt, SAE_ARCHITECTURES, type SaeArchitecture, type SaeWeights } from './sae-weights';

export type Json = Record<string, unknown>;

const SAFETENSORS_TO_TORCH_DTYPE: Partial<Record<Dtype, string>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64' };

function expectShape(file: SafetensorsFile, format: string, name: string, shape: number[], because: string): void {
  const got = file.info(name).shape;
  if (!sameShape(got, shape)) {
    fail(`${format} cfg says ${because} but ${name} has shape [${got.join(', ')}] (expected [${shape.join(', ')}])`);
  }
}

function optionalString(v: unknown, key: string, format: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : fail(`${format} cfg: ${key} must be a string, got ${JSON.stringify(v)}`);
}

/** Architecture of a SAELens cfg: v6 `architecture`, else older `activation_fn_str`. */
function saeLensArchitecture(cfg: Json, format: string): SaeArchitecture {
  const arch = cfg.architecture ?? (cfg.activation_fn_str === 'relu' ? 'standard' : (cfg.activation_fn_str ?? 'standard'));
  if (!isArchitecture(arch)) {
    fail(`${format} cfg: architecture ${JSON.stringify(arch)} is not supported; supported: ${SAE_ARCHITECTURES.join(', ')}`);
  }
  return arch;
}

/** SAELens layout, ours included (ours is SAELens plus extra cfg fields). */
export async function importSaeLens(file: SafetensorsFile, cfg: Json, format: string): Promise<SaeWeights> {
  const { d_in, d_sae } = cfg;
  if (!isPositiveInt(d_in) || !isPositiveInt(d_sae)) {
    fail(`${format} cfg needs positive integers d_in and d_sae, got d_in=${JSON.stringify(d_in)}, d_sae=${JSON.stringify(d_sae)}`);
  }
  const dims = `d_in=${d_in}, d_sae=${d_sae}`;
  expectShape(file, format, 'W_enc', [d_in, d_sae], dims);
  expectShape(file, format, 'b_enc', [d_sae], dims);
  expectShape(file, format, 'W_dec', [d_sae, d_in], dims);
  expectShape(file, format, 'b_dec', [d_in], dims);
  const architecture = saeLensArchitecture(cfg, format);
  const kwargs = cfg.activation_fn_kwargs;
  const kwargsK = typeof kwargs === 'object' && kwargs !== null ? (kwargs as Json).k : undefined;
  const k = cfg.k ?? kwargsK ?? null;
  if (k !== null && typeof k !== 'number') fail(`${format} cfg: k must be a number, got ${JSON.stringify(k)}`);
  const meta = typeof cfg.meta === 'object' && cfg.meta !== null ? (cfg.meta as Json) : {};

  const W_enc = await file.readF32('W_enc');
  const b_enc = await file.readF32('b_enc');
  const b_dec = await file.readF32('b_dec');
  if (cfg.apply_b_dec_to_input === false) {
    // SAELens then encodes x·W_enc + b_enc; our encoder subtracts b_dec first,
    // so fold it into the bias: b_enc += b_dec·W_enc.
    for (let i = 0; i < d_in; i++) {
      for (let j = 0; j < d_sae; j++) b_enc[j] += b_dec[i] * W_enc[i * d_sae + j];
    }
  }
  const weights: SaeWeights = {
    cfg: {
      architecture,
      d_in,
      d_sae,
      k: architecture === 'topk' || architecture === 'batchtopk' ? k : null,
      hook_name: optionalString(cfg.hook_name ?? meta.hook_name, 'hook_name', format) ?? '',
      model_name: optionalString(cfg.model_name ?? meta.model_name, 'model_name', format) ?? '',
      normalize_activations: optionalString(cfg.normalize_activations, 'normalize_activations', format) ?? 'none',
      dtype: optionalString(cfg.dtype, 'dtype', format) ?? SAFETENSORS_TO_TORCH_DTYPE[file.info('W_enc').dtype] ?? 'float32',
    },
    W_enc,
    b_enc,
    W_dec: await file.readF32('W_dec'),
    b_dec,
  };
  // Trajectory Lab fields, copied only when present so imports stay clean.
  for (const key of ['trajectory_steps', 'd_model', 'residualized', 'dynamics_variant', 'block_scales', 'step_indices'] as const) {
    if (cfg[key] !== undefined) Object.assign(weights.cfg, { [key]: cfg[key] });
  }
  const threshold = await readThreshold(file, format, d_sae);
  if (threshold !== undefined) weights.threshold = threshold;
  return weights;
}

/**
 * `threshold` [d_sae]; SAELens training checkpoints instead hold JumpReLU's
 * `log_threshold` [d_sae] or BatchTopK's scalar `topk_threshold`.
 */
async function readThreshold(file: SafetensorsFile, format: string, d_sae: number): Promise<Float32Array | undefined> {
  if (file.tensors.has('threshold')) {
    expectShape(file, format, 'threshold', [d_sae], `d_sae=${d_sae}`);
    return file.readF32('threshold');
  }
  if (file.tensors.has('log_threshold')) {
    expectShape(file, format, 'log_threshold', [d_sae], `d_sae=${d_sae}`);
    return (await file.readF32('log_threshold')).map(Math.exp);
  }
  if (file.tensors.has('topk_threshold')) {
    const t = await file.readF32('topk_threshold');
    if (t.length !== 1) fail(`${format}: topk_threshold must hold one value, has ${t.length}`);
    return new Float32Array(d_sae).fill(t[0]);
  }
  return undefined;
}

/** EleutherAI sparsify layout: nn.Linear encoder [num_latents, d_in], TopK activation. */
export async function importSparsify(file: SafetensorsFile, cfg: Json): Promise<SaeWeights> {
  const format = 'sparsify';
  if (cfg.transcode === true) fail('sparsify cfg: transcode = true; a transcoder predicts another activation and cannot be used as an SAE');
  if (cfg.skip_connection === true || file.tensors.has('W_skip')) fail('sparsify: skip connections (W_skip) are not supported');
  const activation = cfg.activation ?? 'topk';
  if (activation !== 'topk') fail(`sparsify cfg: activation ${JSON.stringify(activation)} is not supported; supported: topk`);
  const encShape = file.info('encoder.weight').shape;
  if (encShape.length !== 2) fail(`sparsify: encoder.weight must be 2-D [num_latents, d_in], got [${encShape.join(', ')}]`);
  const d_in = cfg.d_in ?? encShape[1];
  if (!isPositiveInt(d_in)) fail(`sparsify cfg: d_in must be a positive integer, got ${JSON.stringify(d_in)}`);
  const { num_latents, expansion_factor } = cfg;
  let m: number;
  let because: string;
  if (isPositiveInt(num_latents)) {
    m = num_latents;
    because = `num_latents=${m}, d_in=${d_in}`;
  } else if (isPositiveInt(expansion_factor)) {
    m = d_in * expansion_factor;
    because = `num_latents=0, expansion_factor=${expansion_factor}, d_in=${d_in} (so ${m} latents)`;
  } else {
    m = encShape[0];
    because = `d_in=${d_in}`;
  }
  expectShape(file, format, 'encoder.weight', [m, d_in], because);
  expectShape(file, format, 'encoder.bias', [m], because);
  expectShape(file, format, 'W_dec', [m, d_in], because);
  expectShape(file, format, 'b_dec', [d_in], because);
  const { k } = cfg;
  if (!isPositiveInt(k)) fail(`sparsify cfg: k must be a positive integer, got ${JSON.stringify(k)}`);

  const encoder = await file.readF32('encoder.weight');
  const W_enc = new Float32Array(d_in * m);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < d_in; i++) W_enc[i * m + j] = encoder[j * d_in + i];
  }
  return {
    cfg: {
      architecture: 'topk',
      d_in,
      d_sae: m,
      k,
      hook_name: optionalString(cfg.hookpoint, 'hookpoint', format) ?? '',
      model_name: '',
      normalize_activations: 'none',
      dtype: SAFETENSORS_TO_TORCH_DTYPE[file.info('encoder.weight').dtype] ?? 'float32',
    },
    W_enc,
    b_enc: await file.readF32('encoder.bias'),
    W_dec: await file.readF32('W_dec'),
    b_dec: await file.readF32('b_dec'),
  };
}
