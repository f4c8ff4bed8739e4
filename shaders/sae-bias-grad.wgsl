// Gradient of the SAE's b_dec, which enters twice:
// ẑ = W_dec f + b_dec, and the encoder input z_c = z − b_dec.
//   column_sums: out[d] = Σ_r vecs[r, d]                (decoder side: Σ_r ∂L/∂ẑ_r)
//   encoder_side: out[d] −= Σ_{j in block} g_enc[j] · W_encᵀ[j, d]
//                 (∂pre_rj/∂b_dec = −W_enc[:, j]; Σ_r ∂L/∂pre_rj = grad b_enc[j]),
//                 one dispatch per latent block, continuing one running sum.
// One thread per column, serial sums: a fixed order.

override WG: u32 = 64u;

struct Params {
  rows: u32,
  d_in: u32,
  block_start: u32,
  block_count: u32,
}

// ---- column_sums: vecs [rows, d_in] → out [d_in]
@group(0) @binding(0) var<storage, read> vecs: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn column_sums(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  if (d >= params.d_in) {
    return;
  }
  var acc = 0.0;
  for (var r = 0u; r < params.rows; r++) {
    acc += vecs[r * params.d_in + d];
  }
  out[d] = acc;
}

// ---- encoder_side: encoder block [block_count, d_in], g_enc [latents] → enc_out [d_in] (−=)
@group(0) @binding(0) var<storage, read> encoder: array<f32>;
@group(0) @binding(1) var<storage, read> g_enc: array<f32>;
@group(0) @binding(2) var<storage, read_write> enc_out: array<f32>;
@group(0) @binding(3) var<uniform> enc_params: Params;

@compute @workgroup_size(WG)
fn encoder_side(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  if (d >= enc_params.d_in) {
    return;
  }
  // One running sum continued across blocks: the same f32 result whatever the block split.
  var acc = enc_out[d];
  for (var jl = 0u; jl < enc_params.block_count; jl++) {
    acc -= g_enc[enc_params.block_start + jl] * encoder[jl * enc_params.d_in + d];
  }
  enc_out[d] = acc;
}
