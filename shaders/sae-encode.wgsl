// The elementwise parts of the SAE encoder f = σ(W_enc (z − b_dec) + b_enc)
// (BatchTopK/TopK/ReLU for σ); the product itself is linalg's matmul, one latent block at a
// time (pre_block [rows, count] = x̃ · W_encᵀ_block, layout 'nt').
//   center:   x̃ = z − b_dec           z, x̃: [rows, d_in]; b_dec: [d_in]
//   add_bias: pre_block += b_enc[start ..]   pre_block: [rows, count]
// One thread per COLS consecutive elements of a row, 2-D grid (x: columns in
// COLS·WG-wide groups, y: rows): fewer workgroups, which emulated adapters
// (SwiftShader) pay for one by one.

override WG: u32 = 64u;
const COLS: u32 = 4u;

struct Params {
  rows: u32,
  cols: u32,
  // add_bias: the block's first latent.
  offset: u32,
}

// ---- center: z, b_dec → x̃
@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read> b_dec: array<f32>;
@group(0) @binding(2) var<storage, read_write> centered: array<f32>;
@group(0) @binding(3) var<uniform> center_params: Params;

@compute @workgroup_size(WG)
fn center(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.y;
  if (r >= center_params.rows) {
    return;
  }
  let n = center_params.cols;
  for (var d = gid.x * COLS; d < min(gid.x * COLS + COLS, n); d++) {
    centered[r * n + d] = z[r * n + d] - b_dec[d];
  }
}

// ---- add_bias: b_enc → pre_block (+=)
@group(0) @binding(0) var<storage, read> b_enc: array<f32>;
@group(0) @binding(1) var<storage, read_write> pre_block: array<f32>;
@group(0) @binding(2) var<uniform> bias_params: Params;

@compute @workgroup_size(WG)
fn add_bias(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.y;
  if (r >= bias_params.rows) {
    return;
  }
  let n = bias_params.cols;
  for (var jl = gid.x * COLS; jl < min(gid.x * COLS + COLS, n); jl++) {
    pre_block[r * n + jl] += b_enc[bias_params.offset + jl];
  }
}
