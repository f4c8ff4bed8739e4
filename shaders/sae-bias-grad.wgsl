// Gradient of the SAE's b_dec, which enters twice:
// ẑ = W_dec f + b_dec, and the encoder input z_c = z − b_dec:
//   out[d] = seed_sums[d] − Σ_j g_enc[j] · W_encᵀ[j, d]
// seed_sums = Σ_r ∂L/∂ẑ_r (the loss's finalize writes it); ∂pre_rj/∂b_dec = −W_enc[:, j]
// and Σ_r ∂L/∂pre_rj = grad b_enc[j]. One dispatch per latent block, continuing one
// running sum (the first block starts it from seed_sums). One thread per column,
// serial sums: a fixed order. A thread takes a Lane (four columns when d_in
// divides by 4): emulated adapters pay per load.

override WG: u32 = 64u;
alias Lane = f32; const LANES = 1u;

struct Params {
  d_in: u32,
  block_start: u32,
  block_count: u32,
}

// ---- encoder_side: encoder block [block_count, d_in], g_enc [latents], seed_sums [d_in] → out [d_in]
@group(0) @binding(0) var<storage, read> encoder: array<Lane>;
@group(0) @binding(1) var<storage, read> g_enc: array<f32>;
@group(0) @binding(2) var<storage, read> seed_sums: array<Lane>;
@group(0) @binding(3) var<storage, read_write> out: array<Lane>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn encoder_side(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  let n = params.d_in / LANES;
  if (d >= n) {
    return;
  }
  // One running sum continued across blocks: the same f32 result whatever the block split.
  // The first block starts the sum from seed_sums.
  var acc = select(out[d], seed_sums[d], params.block_start == 0u);
  for (var jl = 0u; jl < params.block_count; jl++) {
    acc -= g_enc[params.block_start + jl] * encoder[jl * n + d];
  }
  out[d] = acc;
}
