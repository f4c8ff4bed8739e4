/**
 * SAE files (DESIGN §4). Ours, in SAELens layout (all F32, row-major):
 *
 *   W_enc: [d_in, d_sae]   b_enc: [d_sae]
 *   W_dec: [d_sae, d_in]   b_dec: [d_in]
 *   threshold: [d_sae]     optional: per-latent inference threshold
 *                          (JumpReLU; BatchTopK's batch-free inference form)
 *
 * with encoder f = σ(W_encᵀ (z − b_dec) + b_enc), decoder ẑ = W_decᵀ f + b_dec.
 * The config is SAELens-style cfg.json: it sits beside the weights and is
 * also copied into `__metadata__.cfg`, so a single `--sae X.safetensors`
 * file is self-contained.
 *
 * Imports (one `SaeWeights` out of each):
 * - SAELens (`sae_weights.safetensors` + `cfg.json`): the same tensor names;
 *   cfg `d_in`, `d_sae`, `architecture` (v6) or `activation_fn_str` (older),
 *   `k` (v6) or `activation_fn_kwargs.k`, hook/model names at top level or
 *   under `meta` (v6). BatchTopK SAEs are saved by SAELens as `jumprelu` with
 *   `threshold`.
 * - EleutherAI sparsify (`sae.safetensors` + `cfg.json`): `encoder.weight`
 *   [num_latents, d_in], `encoder.bias`, `W_dec` [num_latents, d_in], `b_dec`;
 *   cfg `num_latents` (0 → d_in·`expansion_factor`), `k`, `d_in`.
 */

import { SafetensorsError, SafetensorsFile, serializeSafetensors, type ByteSource, type Dtype, type TensorEntry } from '../data/safetensors';
import { DYNAMICS_VARIANTS, type DynamicsVariant } from '../dynamics/dynamics-file';

export const SAE_ARCHITECTURES = ['topk', 'batchtopk', 'standard', 'jumprelu'] as const;
/** standard = ReLU (trained with L1); jumprelu = ReLU gated by `threshold`. */
export type SaeArchitecture = (typeof SAE_ARCHITECTURES)[number];

const KIND = 'sae';

/** cfg.json: SAELens field names, then Trajectory Lab's own (absent in imported SAEs). */
export interface SaeFileConfig {
  architecture: SaeArchitecture;
  /** Input width; S·d for a trajectory SAE, d for a per-step one. */
  d_in: number;
  /** Number of latents m. */
  d_sae: number;
  /** Latents kept per row (topk) or per row on average over a batch (batchtopk); null otherwise. */
  k: number | null;
  hook_name: string;
  model_name: string;
  /** SAELens: "none" | "expected_average_only_in" | "constant_norm_rescale" | "layer_norm"; ours: "block_rms". */
  normalize_activations: string;
  /** Stored weight dtype, SAELens spelling ("float32", "bfloat16", …). */
  dtype: string;
  /** Recorded steps S. */
  trajectory_steps?: number;
  /** Channels d per step. */
  d_model?: number;
  /** Whether z holds dynamics residuals (false: plain concatenation). */
  residualized?: boolean;
  dynamics_variant?: DynamicsVariant;
  /** [S] per-block RMS scales z was divided by. */
  block_scales?: number[];
  /** [S] UNet call index of each recorded step (where steering applies v_k[s]). */
  step_indices?: number[];
}

export interface SaeWeights {
  cfg: SaeFileConfig;
  /** [d_in, d_sae] row-major. */
  W_enc: Float32Array;
  /** [d_sae]. */
  b_enc: Float32Array;
  /** [d_sae, d_in] row-major. */
  W_dec: Float32Array;
  /** [d_in]. */
  b_dec: Float32Array;
  /** [d_sae], JumpReLU / BatchTopK inference threshold. */
  threshold?: Float32Array;
}

function fail(message: string): never {
  throw new SafetensorsError(message);
}

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function isArchitecture(v: unknown): v is SaeArchitecture {
  return (SAE_ARCHITECTURES as readonly unknown[]).includes(v);
}

/** Checks cfg fields and every tensor length against d_in and d_sae; returns `w`. */
export function validateSaeWeights(w: SaeWeights): SaeWeights {
  const { cfg } = w;
  if (!isArchitecture(cfg.architecture)) {
    fail(`SAE cfg: architecture ${JSON.stringify(cfg.architecture)} is not supported; supported: ${SAE_ARCHITECTURES.join(', ')}`);
  }
  if (!isPositiveInt(cfg.d_in)) fail(`SAE cfg: d_in must be a positive integer, got ${JSON.stringify(cfg.d_in)}`);
  if (!isPositiveInt(cfg.d_sae)) fail(`SAE cfg: d_sae must be a positive integer, got ${JSON.stringify(cfg.d_sae)}`);
  if (cfg.architecture === 'topk' && !isPositiveInt(cfg.k)) fail(`SAE cfg: topk needs an integer k >= 1, got ${JSON.stringify(cfg.k)}`);
  if (cfg.architecture === 'batchtopk' && !(typeof cfg.k === 'number' && cfg.k > 0)) {
    fail(`SAE cfg: batchtopk needs k > 0, got ${JSON.stringify(cfg.k)}`);
  }
  if (cfg.architecture === 'jumprelu' && w.threshold === undefined) fail('SAE: jumprelu needs a threshold tensor [d_sae]');
  const { d_in, d_sae } = cfg;
  const sizes: Array<[string, Float32Array | undefined, number, string]> = [
    ['W_enc', w.W_enc, d_in * d_sae, `[d_in, d_sae] = [${d_in}, ${d_sae}]`],
    ['b_enc', w.b_enc, d_sae, `[d_sae] = [${d_sae}]`],
    ['W_dec', w.W_dec, d_sae * d_in, `[d_sae, d_in] = [${d_sae}, ${d_in}]`],
    ['b_dec', w.b_dec, d_in, `[d_in] = [${d_in}]`],
    ['threshold', w.threshold, d_sae, `[d_sae] = [${d_sae}]`],
  ];
  for (const [name, arr, length, shape] of sizes) {
    if (arr !== undefined && arr.length !== length) fail(`SAE: ${name} has ${arr.length} values; ${shape} needs ${length}`);
  }
  const S = cfg.trajectory_steps;
  const d = cfg.d_model;
  if (S !== undefined && !isPositiveInt(S)) fail(`SAE cfg: trajectory_steps must be a positive integer, got ${JSON.stringify(S)}`);
  if (d !== undefined && !isPositiveInt(d)) fail(`SAE cfg: d_model must be a positive integer, got ${JSON.stringify(d)}`);
  // d_in = d: a per-step SAE (the ablation's no-concat arms), each step of a token its own row.
  if (S !== undefined && d !== undefined && S * d !== d_in && d !== d_in) {
    fail(`SAE cfg: d_in = ${d_in} but trajectory_steps · d_model = ${S} · ${d} = ${S * d} (or d_model = ${d} for a per-step SAE)`);
  }
  if (cfg.residualized !== undefined && typeof cfg.residualized !== 'boolean') {
    fail(`SAE cfg: residualized must be true or false, got ${JSON.stringify(cfg.residualized)}`);
  }
  if (cfg.dynamics_variant !== undefined && !(DYNAMICS_VARIANTS as readonly unknown[]).includes(cfg.dynamics_variant)) {
    fail(`SAE cfg: dynamics_variant ${JSON.stringify(cfg.dynamics_variant)} is not one of ${DYNAMICS_VARIANTS.join(', ')}`);
  }
  const scales = cfg.block_scales;
  if (scales !== undefined) {
    if (!Array.isArray(scales) || !scales.every((v) => typeof v === 'number' && v > 0 && Number.isFinite(v))) {
      fail(`SAE cfg: block_scales must be positive finite numbers, got ${JSON.stringify(scales)}`);
    }
    if (S !== undefined && scales.length !== S) fail(`SAE cfg: block_scales has ${scales.length} entries; trajectory_steps = ${S}`);
  }
  const steps = cfg.step_indices;
  if (steps !== undefined) {
    if (!Array.isArray(steps) || !steps.every((v, i) => Number.isSafeInteger(v) && v >= 0 && (i === 0 || v > steps[i - 1]))) {
      fail(`SAE cfg: step_indices must be ascending non-negative integers, got ${JSON.stringify(steps)}`);
    }
    if (S !== undefined && steps.length !== S) fail(`SAE cfg: step_indices has ${steps.length} entries; trajectory_steps = ${S}`);
  }
  return w;
}

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

type Json = Record<string, unknown>;

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

const SAFETENSORS_TO_TORCH_DTYPE: Partial<Record<Dtype, string>> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64' };

function expectShape(file: SafetensorsFile, format: string, name: string, shape: number[], because: string): void {
  const got = file.info(name).shape;
  if (got.length !== shape.length || got.some((v, i) => v !== shape[i])) {
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
async function importSaeLens(file: SafetensorsFile, cfg: Json, format: string): Promise<SaeWeights> {
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
async function importSparsify(file: SafetensorsFile, cfg: Json): Promise<SaeWeights> {
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

/**
 * Reads an SAE saved by us, SAELens or sparsify (detected from the tensor
 * names). The config comes from `cfgJson` (the cfg.json beside the
 * weights) when given, else from `__metadata__.cfg` (our single-file form).
 */
export async function readSaeFile(source: ByteSource, cfgJson?: string): Promise<SaeWeights> {
  const file = await SafetensorsFile.open(source);
  const ours = file.metadata.kind === KIND;
  if (file.metadata.kind !== undefined && !ours) fail(`SAE file: metadata kind is "${file.metadata.kind}", expected "${KIND}"`);
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
