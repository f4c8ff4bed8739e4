// Residualization r_s = x_s − (A_s x_{s-1} + b_s) and its inverse, the elementwise half, one
// recorded step s per dispatch (0-based; bias row s-1 belongs to step s).
//
// Trajectories are token-major: src, dst: [tokens, S, d] row-major, block s of
// row t at (t·S + s)·d. The matrix half, pred = x_{s-1}·A_sᵀ : [tokens, d], is
// a strided matmul done just before (src/dynamics/residualize.ts):
//
//   residualize:  dst[t,s] = (src[t,s] − (s > 0 ? pred[t] + b_s : 0)) / scale_s
//                 (src = x, dst = z: z_1 = x_1/scale_1, z_s = (x_s − A_s x_{s-1} − b_s)/scale_s)
//   reconstruct:  dst[t,s] = (s > 0 ? pred[t] + b_s : 0) + src[t,s]·scale_s
//                 (src = z, dst = x: the exact inverse)
//
// b_s is dropped when `affine` is 0 (the linear part of the inverse, which
// maps decoder directions to feature trajectories). One thread per (t, j); the grid is capped at the adapter's 65535
// workgroups, so threads stride through the elements.

override WG: u32 = 256u;

struct Params {
  tokens: u32,
  steps: u32,
  d: u32,
  step: u32,
  affine: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> pred: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read> scales: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

/** A_s x_{s-1} + b_s for element i = t·d + j of this step, or 0 for the first step. */
fn predicted(i: u32) -> f32 {
  let s = params.step;
  if (s == 0u) {
    return 0.0;
  }
  let b = bias[(s - 1u) * params.d + i % params.d];
  return pred[i] + select(0.0, b, params.affine != 0u);
}

/** Index into [tokens, S, d] of element i = t·d + j of this step. */
fn at(i: u32) -> u32 {
  let t = i / params.d;
  return (t * params.steps + params.step) * params.d + (i - t * params.d);
}

@compute @workgroup_size(WG)
fn residualize(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let scale = scales[params.step];
  for (var i = gid.x; i < params.tokens * params.d; i += WG * groups.x) {
    let k = at(i);
    dst[k] = (src[k] - predicted(i)) / scale;
  }
}

@compute @workgroup_size(WG)
fn reconstruct(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let scale = scales[params.step];
  for (var i = gid.x; i < params.tokens * params.d; i += WG * groups.x) {
    let k = at(i);
    dst[k] = predicted(i) + src[k] * scale;
  }
}
