// Reorders a chunk of a trajectory file, images [n, S, P, d], into
// token rows [n·P, S, d] (token t = image·P + position, its trajectory
// [x_1; …; x_S] contiguous), the layout the dynamics kernels and the SAE read:
//   dst[((i·P + p)·S + s)·d + j] = src[((i·S + s)·P + p)·d + j]
// One thread per element in source order (coalesced reads; writes land in runs
// of d). The grid is capped at the adapter's 65535 workgroups, so threads
// stride through the elements.

override WG: u32 = 256u;

struct Params {
  images: u32,
  steps: u32,
  positions: u32,
  d: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let d = params.d;
  let P = params.positions;
  let S = params.steps;
  let total = params.images * S * P * d;
  for (var k = gid.x; k < total; k += WG * groups.x) {
    let j = k % d;
    let p = (k / d) % P;
    let s = (k / (d * P)) % S;
    let i = k / (d * P * S);
    dst[((i * P + p) * S + s) * d + j] = src[k];
  }
}
