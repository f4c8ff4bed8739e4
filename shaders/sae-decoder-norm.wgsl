// The unit-norm constraint on SAE decoder rows (one direction per latent;
// OpenAI sparse_autoencoder, sparsify):
//   remove_parallel: grad_j −= (grad_j · w_j) w_j before the optimiser step, so
//                    the step does not try to change the (fixed) norm;
//   normalize:       w_j /= ‖w_j‖ after it (skipped once training diverged,
//                    like every update).
// One workgroup per latent row; dot products by a tree reduction in
// workgroup memory (a fixed order).

const WG: u32 = 64u;

struct Params {
  d_in: u32,
  block_count: u32,
  // Workgroups per grid row (latent = wid.y · groups_x + wid.x).
  groups_x: u32,
}

var<workgroup> partial: array<f32, WG>;

// Sum of `value` over the workgroup (every thread gets it).
fn workgroup_sum(lid: u32, value: f32) -> f32 {
  partial[lid] = value;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

// ---- remove_parallel: decoder block [block_count, d_in] → grad block (in place)
@group(0) @binding(0) var<storage, read> decoder: array<f32>;
@group(0) @binding(1) var<storage, read_write> grad: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn remove_parallel(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let jl = wid.y * params.groups_x + wid.x;
  if (jl >= params.block_count) {
    return;
  }
  let base = jl * params.d_in;
  var dot = 0.0;
  for (var d = lid; d < params.d_in; d += WG) {
    dot += grad[base + d] * decoder[base + d];
  }
  dot = workgroup_sum(lid, dot);
  for (var d = lid; d < params.d_in; d += WG) {
    grad[base + d] -= dot * decoder[base + d];
  }
}

// ---- normalize: train_state (word 0: diverged) → weights block (in place)
@group(0) @binding(0) var<storage, read> train_state: array<u32>;
@group(0) @binding(1) var<storage, read_write> weights: array<f32>;
@group(0) @binding(2) var<uniform> norm_params: Params;

var<workgroup> halted: u32;

@compute @workgroup_size(WG)
fn normalize(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let jl = wid.y * norm_params.groups_x + wid.x;
  if (lid == 0u) {
    halted = train_state[0];
  }
  // Uniform across the workgroup, as the barriers below require (WGSL §14.2).
  if (jl >= norm_params.block_count || workgroupUniformLoad(&halted) != 0u) {
    return;
  }
  let base = jl * norm_params.d_in;
  var sq = 0.0;
  for (var d = lid; d < norm_params.d_in; d += WG) {
    sq += weights[base + d] * weights[base + d];
  }
  let scale = 1.0 / sqrt(workgroup_sum(lid, sq));
  for (var d = lid; d < norm_params.d_in; d += WG) {
    weights[base + d] *= scale;
  }
}
