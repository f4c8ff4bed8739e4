// Adds the split-K partial Gram matrices of one chunk (covariance-gram.wgsl)
// to the running totals of CovarianceAccumulator:
//
//   total[e] += Σ_{z = 0..splits−1} partial[z·count + e]
//
// The splits are summed in a fixed order (deterministic, no atomics), and
// the running total is a Kahan-compensated sum (comp holds the lost low-order
// part), so adding hundreds of chunks costs no more accuracy than one.
// One thread per element.

override WG: u32 = 256u;

struct Params {
  count: u32,
  splits: u32,
}

@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> total: array<f32>;
@group(0) @binding(2) var<storage, read_write> comp: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= params.count) {
    return;
  }
  var sum = 0.0;
  for (var z = 0u; z < params.splits; z++) {
    sum += partial[z * params.count + e];
  }
  let before = total[e];
  let corrected = sum - comp[e];
  let after = before + corrected;
  comp[e] = (after - before) - corrected;
  total[e] = after;
}
