// The unit-norm constraint on SAE decoder rows (one direction per latent;
// OpenAI sparse_autoencoder, sparsify):
//   remove_parallel: grad_j −= (grad_j · w_j) w_j before the optimiser step, so
//                    the step does not try to change the (fixed) norm;
//   normalize:       w_j /= ‖w_j‖ after it (skipped once training diverged,
//                    like every update).
// One thread per latent row with serial sums over d_in: a fixed order, and
// no barriers (which emulated adapters such as SwiftShader pay dearly for);
// the work is a few passes over W_dec, small next to the encoder matmul.

override WG: u32 = 64u;

struct Params {
  d_in: u32,
  block_count: u32,
  // Threads per grid row (latent = gid.y · row_threads + gid.x).
  row_threads: u32,
}

// ---- remove_parallel: decoder block [block_count, d_in] → grad block (in place)
@group(0) @binding(0) var<storage, read> decoder: array<f32>;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn remove_parallel(@builtin(global_invocation_id) gid: vec3<u32>) {
  let jl = gid.y * params.row_threads + gid.x;
  if (jl >= params.block_count) {
    return;
  }
  let base = jl * params.d_in;
  var dot = 0.0;
  for (var d = 0u; d < params.d_in; d++) {
    dot += grad[base + d] * decoder[base + d];
  }
  for (var d = 0u; d < params.d_in; d++) {
    grad[base + d] -= dot * decoder[base + d];
  }
}

// ---- normalize: train_state (word 0: diverged) → weights block (in place)
@group(0) @binding(0) var<storage, read> train_state: array<u32>;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<uniform> norm_params: Params;

@compute @workgroup_size(WG)
fn normalize(@builtin(global_invocation_id) gid: vec3<u32>) {
  let jl = gid.y * norm_params.row_threads + gid.x;
  if (jl >= norm_params.block_count || train_state[0] != 0u) {
    return;
  }
  let base = jl * norm_params.d_in;
  var sq = 0.0;
  for (var d = 0u; d < norm_params.d_in; d++) {
    sq += weights[base + d] * weights[base + d];
  }
  let scale = 1.0 / sqrt(sq);
  for (var d = 0u; d < norm_params.d_in; d++) {
    weights[base + d] *= scale;
  }
}
