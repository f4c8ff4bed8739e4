// The elementwise part of the SAE encoder f = σ(W_enc (z − b_dec) + b_enc)
// (BatchTopK/TopK/ReLU for σ); the product itself is linalg's matmul, one latent block at a
// time (pre_block [rows, count] = (z − b_dec) · W_encᵀ_block, layout 'nt', b_dec as A's shift).
//   add_bias: pre_block += b_enc[start ..]   pre_block: [rows, count]
// One thread per Lane of a row, 2-D grid (x: a row's Lanes in WG-wide groups, y: rows).

override WG: u32 = 64u;
alias Lane = f32; const LANES = 1u;

struct Params {
  rows: u32,
  // Floats per row: the block's latent count.
  cols: u32,
  // add_bias: the block's first latent.
  offset: u32,
}

// ---- add_bias: b_enc → pre_block (+=)
@group(0) @binding(0) var<storage, read> b_enc: array<Lane>;
@group(0) @binding(1) var<storage, read_write> pre_block: array<Lane>;
@group(0) @binding(2) var<uniform> bias_params: Params;

@compute @workgroup_size(WG)
fn add_bias(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = bias_params.cols / LANES;
  let jl = gid.x;
  if (jl >= n || gid.y >= bias_params.rows) {
    return;
  }
  pre_block[gid.y * n + jl] += b_enc[bias_params.offset / LANES + jl];
}
