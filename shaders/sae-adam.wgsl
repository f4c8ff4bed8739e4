// Adam (Kingma & Ba 2015, Algorithm 1) with PyTorch's placement of ε:
//   m = β1 m + (1 − β1) g,   v = β2 v + (1 − β2) g²,
//   θ −= step_size · m / (√v · inv_sqrt_bc2 + ε)
// with step_size = lr_t / (1 − β1^t) and inv_sqrt_bc2 = 1 / √(1 − β2^t)
// computed on the CPU in float64 (lr_t includes the warm-up). Skipped once
// training has diverged (train_state word 0), so the weights stay at the last
// good step. One thread per ITEMS consecutive elements (fewer workgroups,
// which emulated adapters pay for one by one), 2-D grid for large tensors.

override WG: u32 = 256u;
const ITEMS: u32 = 4u;

struct Params {
  n: u32,
  // Threads per grid row (first element = (gid.y · row_threads + gid.x) · ITEMS).
  row_threads: u32,
  step_size: f32,
  inv_sqrt_bc2: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> grad: array<f32>;
@group(0) @binding(1) var<storage, read> train_state: array<u32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read_write> moment1: array<f32>;
@group(0) @binding(4) var<storage, read_write> moment2: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let first = (gid.y * params.row_threads + gid.x) * ITEMS;
  if (first >= params.n || train_state[0] != 0u) {
    return;
  }
  for (var i = first; i < min(first + ITEMS, params.n); i++) {
    let g = grad[i];
    let m = params.beta1 * moment1[i] + (1.0 - params.beta1) * g;
    let v = params.beta2 * moment2[i] + (1.0 - params.beta2) * g * g;
    moment1[i] = m;
    moment2[i] = v;
    param[i] -= params.step_size * m / (sqrt(v) * params.inv_sqrt_bc2 + params.eps);
  }
}
