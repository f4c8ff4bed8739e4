// Elementwise steps of the ridge solve (src/linalg/ridge-solve.ts), one
// thread per element, e = i·d + j over `count` elements:
//   regularize:  dst[e] = src[e] + (i == j ? lambda : 0)   (Σ + λI, [d, d])
//   add_into:    dst[e] += src[e]                          (A += δ after refinement)
// The grid's y dimension carries rows of 65535·WG elements for big matrices.

override WG: u32 = 256u;

struct Params {
  count: u32,
  d: u32,
  lambda: f32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn element(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.x + gid.y * groups.x * WG;
}

@compute @workgroup_size(WG)
fn regularize(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let e = element(gid, groups);
  if (e >= params.count) {
    return;
  }
  let diagonal = e / params.d == e % params.d;
  dst[e] = src[e] + select(0.0, params.lambda, diagonal);
}

@compute @workgroup_size(WG)
fn add_into(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let e = element(gid, groups);
  if (e >= params.count) {
    return;
  }
  dst[e] += src[e];
}
