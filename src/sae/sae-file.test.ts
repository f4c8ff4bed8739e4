import { describe, expect, it } from 'vitest';
import { seededRandom } from '../gpu/random';
import { SafetensorsFile, serializeSafetensors, type TensorEntry } from '../data/safetensors';
import { readSaeFile, saeCfgJson, serializeSaeFile, type SaeFileConfig, type SaeWeights } from './sae-file';

const S = 3;
const d = 4;
const dIn = S * d;
const m = 20;

function randomArray(length: number, rand: () => number): Float32Array {
  return Float32Array.from({ length }, () => rand() * 2 - 1);
}

const cfg: SaeFileConfig = {
  architecture: 'batchtopk',
  d_in: dIn,
  d_sae: m,
  k: 4,
  hook_name: 'unet.mid_block',
  model_name: 'stabilityai/sd-turbo',
  normalize_activations: 'block_rms',
  dtype: 'float32',
  trajectory_steps: S,
  d_model: d,
  residualized: true,
  dynamics_variant: 'full',
  block_scales: [1.5, 0.25, 0.75],
};

function ourSae(seed: number): SaeWeights {
  const rand = seededRandom(seed);
  return {
    cfg,
    W_enc: randomArray(dIn * m, rand),
    b_enc: randomArray(m, rand),
    W_dec: randomArray(m * dIn, rand),
    b_dec: randomArray(dIn, rand),
    threshold: Float32Array.from({ length: m }, () => rand()),
  };
}

/** Pre-activations (x − b_dec)·W_enc + b_enc of our encoder for one input row x: [d_in]. */
function preActs(w: SaeWeights, x: Float32Array): Float64Array {
  const { d_in, d_sae } = w.cfg;
  const out = Float64Array.from(w.b_enc);
  for (let i = 0; i < d_in; i++) for (let j = 0; j < d_sae; j++) out[j] += (x[i] - w.b_dec[i]) * w.W_enc[i * d_sae + j];
  return out;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tol);
}

describe('our SAE files', () => {
  it('round-trip as one self-contained file', async () => {
    const w = ourSae(1);
    expect(await readSaeFile(serializeSaeFile(w))).toEqual(w);
  });

  it('store SAELens tensor names and shapes, and the cfg in __metadata__', async () => {
    const file = await SafetensorsFile.open(serializeSaeFile(ourSae(2)));
    const shapes = Object.fromEntries([...file.tensors.values()].map((t) => [t.name, [t.dtype, ...t.shape]]));
    expect(shapes).toEqual({
      W_enc: ['F32', dIn, m],
      b_enc: ['F32', m],
      W_dec: ['F32', m, dIn],
      b_dec: ['F32', dIn],
      threshold: ['F32', m],
    });
    expect(file.metadata.kind).toBe('sae');
    expect(file.metadata.cfg).toBe(saeCfgJson(cfg));
  });

  it('write a cfg.json with SAELens keys and ours', () => {
    const json = JSON.parse(saeCfgJson({ ...cfg, dtype: 'bfloat16' })) as Record<string, unknown>;
    expect(json).toMatchObject({
      architecture: 'batchtopk',
      d_in: 12,
      d_sae: 20,
      k: 4,
      activation_fn_str: 'batchtopk',
      activation_fn_kwargs: { k: 4 },
      apply_b_dec_to_input: true,
      hook_name: 'unet.mid_block',
      model_name: 'stabilityai/sd-turbo',
      meta: { hook_name: 'unet.mid_block', model_name: 'stabilityai/sd-turbo' },
      normalize_activations: 'block_rms',
      dtype: 'float32', // we always write F32 weights
      trajectory_steps: 3,
      d_model: 4,
      residualized: true,
      dynamics_variant: 'full',
      block_scales: [1.5, 0.25, 0.75],
    });
    expect(JSON.parse(saeCfgJson({ ...cfg, architecture: 'standard', k: null }))).toMatchObject({ activation_fn_str: 'relu', activation_fn_kwargs: {} });
  });

  it('take a cfg.json passed beside the weights over the embedded one', async () => {
    const w = ourSae(3);
    const back = await readSaeFile(serializeSaeFile(w), saeCfgJson({ ...cfg, hook_name: 'unet.up_blocks.0' }));
    expect(back.cfg.hook_name).toBe('unet.up_blocks.0');
  });

  it('reject inconsistent weights with the field named', () => {
    const w = ourSae(4);
    expect(() => serializeSaeFile({ ...w, b_dec: new Float32Array(11) })).toThrow(/b_dec has 11 values; \[d_in\] = \[12\] needs 12/);
    expect(() => serializeSaeFile({ ...w, cfg: { ...cfg, d_model: 5 } })).toThrow(/d_in = 12 but trajectory_steps · d_model = 3 · 5 = 15/);
    expect(() => serializeSaeFile({ ...w, cfg: { ...cfg, architecture: 'topk', k: 2.5 } })).toThrow(/topk needs an integer k >= 1, got 2.5/);
    expect(() => serializeSaeFile({ ...w, cfg: { ...cfg, block_scales: [1, 2] } })).toThrow(/block_scales has 2 entries; trajectory_steps = 3/);
    const { threshold: _t, ...noThreshold } = w;
    expect(() => serializeSaeFile({ ...noThreshold, cfg: { ...cfg, architecture: 'jumprelu', k: null } })).toThrow(/jumprelu needs a threshold/);
  });
});

/** Tensors and cfg.json of an SAE as SAELens saves it (sae_weights.safetensors + cfg.json). */
function saeLensFiles(seed: number, dtype: 'F32' | 'BF16'): { tensors: Record<string, TensorEntry>; f32: Record<string, Float32Array> } {
  const rand = seededRandom(seed);
  const f32: Record<string, Float32Array> = {
    W_enc: randomArray(dIn * m, rand),
    b_enc: randomArray(m, rand),
    W_dec: randomArray(m * dIn, rand),
    b_dec: randomArray(dIn, rand),
    threshold: Float32Array.from({ length: m }, () => rand()),
  };
  const shapes: Record<string, number[]> = { W_enc: [dIn, m], b_enc: [m], W_dec: [m, dIn], b_dec: [dIn], threshold: [m] };
  const tensors: Record<string, TensorEntry> = {};
  for (const name of Object.keys(f32)) {
    if (dtype === 'BF16') {
      // Truncate to bf16 and keep the exact values the file holds.
      const bits = Uint16Array.from(new Uint32Array(f32[name].buffer), (u) => u >>> 16);
      f32[name] = new Float32Array(Uint32Array.from(bits, (b) => b << 16).buffer);
      tensors[name] = { dtype: 'BF16', shape: shapes[name], data: bits };
    } else {
      tensors[name] = { dtype: 'F32', shape: shapes[name], data: f32[name] };
    }
  }
  return { tensors, f32 };
}

describe('SAELens import', () => {
  it('reads a v6 JumpReLU SAE (hook and model under meta)', async () => {
    const { tensors, f32 } = saeLensFiles(5, 'F32');
    const cfgJson = JSON.stringify({
      d_in: dIn,
      d_sae: m,
      dtype: 'float32',
      device: 'cpu',
      apply_b_dec_to_input: true,
      normalize_activations: 'none',
      reshape_activations: 'none',
      meta: { model_name: 'gpt2', hook_name: 'blocks.8.hook_resid_pre', sae_lens_version: '6.12.1' },
      architecture: 'jumprelu',
    });
    const w = await readSaeFile(serializeSafetensors(tensors), cfgJson);
    expect(w.cfg).toEqual({
      architecture: 'jumprelu',
      d_in: dIn,
      d_sae: m,
      k: null,
      hook_name: 'blocks.8.hook_resid_pre',
      model_name: 'gpt2',
      normalize_activations: 'none',
      dtype: 'float32',
    });
    expect(w.W_enc).toEqual(f32.W_enc);
    expect(w.b_enc).toEqual(f32.b_enc);
    expect(w.W_dec).toEqual(f32.W_dec);
    expect(w.b_dec).toEqual(f32.b_dec);
    expect(w.threshold).toEqual(f32.threshold);
  });

  it('reads an older bf16 TopK SAE (activation_fn_str, activation_fn_kwargs.k, top-level names)', async () => {
    const { tensors, f32 } = saeLensFiles(6, 'BF16');
    delete tensors.threshold;
    const cfgJson = JSON.stringify({
      d_in: dIn,
      d_sae: m,
      activation_fn_str: 'topk',
      activation_fn_kwargs: { k: 8 },
      model_name: 'pythia-70m',
      hook_name: 'blocks.3.hook_resid_post',
      dtype: 'bfloat16',
    });
    const w = await readSaeFile(serializeSafetensors(tensors), cfgJson);
    expect(w.cfg).toMatchObject({ architecture: 'topk', k: 8, hook_name: 'blocks.3.hook_resid_post', model_name: 'pythia-70m', dtype: 'bfloat16' });
    expect(w.W_enc).toEqual(f32.W_enc);
    expect(w.threshold).toBeUndefined();
  });

  it('folds b_dec into b_enc when apply_b_dec_to_input is false, keeping the encoder the same', async () => {
    const { tensors, f32 } = saeLensFiles(7, 'F32');
    const cfgJson = JSON.stringify({ d_in: dIn, d_sae: m, architecture: 'standard', apply_b_dec_to_input: false });
    const w = await readSaeFile(serializeSafetensors(tensors), cfgJson);
    const x = randomArray(dIn, seededRandom(8));
    const saeLensPre = Float64Array.from(f32.b_enc);
    for (let i = 0; i < dIn; i++) for (let j = 0; j < m; j++) saeLensPre[j] += x[i] * f32.W_enc[i * m + j];
    expectClose(preActs(w, x), saeLensPre, 1e-5);
  });

  it('turns training-checkpoint thresholds into threshold [d_sae]', async () => {
    const { tensors } = saeLensFiles(9, 'F32');
    delete tensors.threshold;
    const cfgJson = JSON.stringify({ d_in: dIn, d_sae: m, architecture: 'jumprelu' });
    const logT = Float32Array.from({ length: m }, (_, j) => -1 - j / m);
    const fromLog = await readSaeFile(serializeSafetensors({ ...tensors, log_threshold: { dtype: 'F32', shape: [m], data: logT } }), cfgJson);
    expectClose(fromLog.threshold ?? [], Array.from(logT, Math.exp), 1e-6);
    const batchCfg = JSON.stringify({ d_in: dIn, d_sae: m, architecture: 'batchtopk', k: 3.5 });
    const topkT = { dtype: 'F64' as const, shape: [], data: Float64Array.of(0.25) };
    const fromTopk = await readSaeFile(serializeSafetensors({ ...tensors, topk_threshold: topkT }), batchCfg);
    expect(Array.from(fromTopk.threshold ?? [])).toEqual(new Array<number>(m).fill(0.25));
    expect(fromTopk.cfg.k).toBe(3.5);
  });

  it('names the cfg value and the tensor shape that disagree', async () => {
    const { tensors } = saeLensFiles(10, 'F32');
    const blob = serializeSafetensors(tensors);
    await expect(readSaeFile(blob, JSON.stringify({ d_in: dIn, d_sae: m + 1, architecture: 'jumprelu' }))).rejects.toThrow(
      /SAELens cfg says d_in=12, d_sae=21 but W_enc has shape \[12, 20\] \(expected \[12, 21\]\)/,
    );
    await expect(readSaeFile(blob, JSON.stringify({ d_in: dIn, d_sae: m, architecture: 'gated' }))).rejects.toThrow(
      /architecture "gated" is not supported; supported: topk, batchtopk, standard, jumprelu/,
    );
    await expect(readSaeFile(blob, JSON.stringify({ d_in: dIn, architecture: 'topk' }))).rejects.toThrow(/needs positive integers d_in and d_sae/);
    await expect(readSaeFile(blob, JSON.stringify({ d_in: dIn, d_sae: m, architecture: 'topk' }))).rejects.toThrow(/topk needs an integer k >= 1, got null/);
    await expect(readSaeFile(blob, '{"d_in": ')).rejects.toThrow(/cfg.json is not JSON/);
    await expect(readSaeFile(blob)).rejects.toThrow(/no config: pass the cfg.json/);
  });
});

/** An SAE as sparsify saves it (sae.safetensors + cfg.json). */
function sparsifyTensors(seed: number, latents: number): { tensors: Record<string, TensorEntry>; encoder: Float32Array; bias: Float32Array } {
  const rand = seededRandom(seed);
  const encoder = randomArray(latents * dIn, rand);
  const bias = randomArray(latents, rand);
  return {
    encoder,
    bias,
    tensors: {
      'encoder.weight': { dtype: 'F32', shape: [latents, dIn], data: encoder },
      'encoder.bias': { dtype: 'F32', shape: [latents], data: bias },
      W_dec: { dtype: 'F32', shape: [latents, dIn], data: randomArray(latents * dIn, rand) },
      b_dec: { dtype: 'F32', shape: [dIn], data: randomArray(dIn, rand) },
    },
  };
}

const sparsifyCfg = {
  activation: 'topk',
  expansion_factor: 2,
  normalize_decoder: true,
  num_latents: 0,
  k: 5,
  multi_topk: false,
  skip_connection: false,
  transcode: false,
  d_in: dIn,
};

describe('sparsify import', () => {
  it('transposes encoder.weight into W_enc and keeps the encoder the same', async () => {
    const latents = 2 * dIn; // num_latents = 0 → d_in · expansion_factor
    const { tensors, encoder, bias } = sparsifyTensors(11, latents);
    const w = await readSaeFile(serializeSafetensors(tensors), JSON.stringify(sparsifyCfg));
    expect(w.cfg).toEqual({
      architecture: 'topk',
      d_in: dIn,
      d_sae: latents,
      k: 5,
      hook_name: '',
      model_name: '',
      normalize_activations: 'none',
      dtype: 'float32',
    });
    for (let j = 0; j < latents; j++) for (let i = 0; i < dIn; i++) expect(w.W_enc[i * latents + j]).toBe(encoder[j * dIn + i]);
    expect(w.W_dec).toEqual(tensors.W_dec.data);
    // sparsify: encoder(x − b_dec) = encoder.weight·(x − b_dec) + encoder.bias.
    const x = randomArray(dIn, seededRandom(12));
    const b_dec = tensors.b_dec.data as Float32Array;
    const want = Array.from(bias, (b, j) => {
      let acc = b;
      for (let i = 0; i < dIn; i++) acc += encoder[j * dIn + i] * (x[i] - b_dec[i]);
      return acc;
    });
    expectClose(preActs(w, x), want, 1e-5);
  });

  it('takes num_latents when set and infers d_in from the shapes when absent', async () => {
    const { tensors } = sparsifyTensors(13, 7);
    const { d_in: _dIn, ...noDIn } = sparsifyCfg;
    const w = await readSaeFile(serializeSafetensors(tensors), JSON.stringify({ ...noDIn, num_latents: 7 }));
    expect([w.cfg.d_in, w.cfg.d_sae]).toEqual([dIn, 7]);
  });

  it('names the cfg value and the tensor shape that disagree', async () => {
    const { tensors } = sparsifyTensors(14, 10);
    const blob = serializeSafetensors(tensors);
    await expect(readSaeFile(blob, JSON.stringify({ ...sparsifyCfg, num_latents: 16 }))).rejects.toThrow(
      /sparsify cfg says num_latents=16, d_in=12 but encoder.weight has shape \[10, 12\] \(expected \[16, 12\]\)/,
    );
    await expect(readSaeFile(blob, JSON.stringify(sparsifyCfg))).rejects.toThrow(
      /num_latents=0, expansion_factor=2, d_in=12 \(so 24 latents\) but encoder.weight has shape \[10, 12\]/,
    );
    await expect(readSaeFile(blob, JSON.stringify({ ...sparsifyCfg, num_latents: 10, transcode: true }))).rejects.toThrow(/transcoder/);
    await expect(readSaeFile(blob, JSON.stringify({ ...sparsifyCfg, num_latents: 10, activation: 'groupmax' }))).rejects.toThrow(
      /activation "groupmax" is not supported; supported: topk/,
    );
    const skip = { ...tensors, W_skip: { dtype: 'F32' as const, shape: [dIn, dIn], data: new Float32Array(dIn * dIn) } };
    await expect(readSaeFile(serializeSafetensors(skip), JSON.stringify({ ...sparsifyCfg, num_latents: 10 }))).rejects.toThrow(/W_skip/);
  });
});

describe('SAE format detection', () => {
  it('rejects files that are not SAEs, listing what it found and what it expects', async () => {
    const other = serializeSafetensors({ A: { dtype: 'F32', shape: [1], data: new Float32Array(1) } });
    await expect(readSaeFile(other, '{}')).rejects.toThrow(/found tensors A; expected W_enc, b_enc, W_dec, b_dec .* or encoder.weight/);
    const dyn = serializeSafetensors({ A: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, { kind: 'dynamics' });
    await expect(readSaeFile(dyn)).rejects.toThrow(/kind is "dynamics", expected "sae"/);
  });
});
