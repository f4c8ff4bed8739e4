// Weiszfeld's iteration for the geometric median of n points (the SAE's b_dec
// initialisation, as in OpenAI's sparse_autoencoder and SAELens):
//   weights: w_r = 1 / max(‖x_r − y‖, tiny)   (one thread per point)
//   update:  y = Σ_r w_r x_r / Σ_r w_r         (one thread per column)
// With all weights 1, `update` gives the mean (the iteration's start).
// Serial sums in a fixed order.

override WG: u32 = 64u;

struct Params {
  rows: u32,
  d_in: u32,
}

// Keeps a point sitting exactly on the estimate from getting an infinite weight.
const MIN_DISTANCE: f32 = 1e-12;

// ---- weights: points [rows, d_in], estimate [d_in] → weights [rows]
@group(0) @binding(0) var<storage, read> points: array<f32>;
@group(0) @binding(1) var<storage, read> estimate: array<f32>;
@group(0) @binding(2) var<storage, read_write> weights_out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn weights(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= params.rows) {
    return;
  }
  var sq = 0.0;
  for (var d = 0u; d < params.d_in; d++) {
    let e = points[r * params.d_in + d] - estimate[d];
    sq += e * e;
  }
  weights_out[r] = 1.0 / max(sqrt(sq), MIN_DISTANCE);
}

// ---- update: points, weights [rows] → estimate_out [d_in]
@group(0) @binding(1) var<storage, read> weights_in: array<f32>;
@group(0) @binding(2) var<storage, read_write> estimate_out: array<f32>;
@group(0) @binding(3) var<uniform> update_params: Params;

@compute @workgroup_size(WG)
fn update(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  if (d >= update_params.d_in) {
    return;
  }
  var num = 0.0;
  var den = 0.0;
  for (var r = 0u; r < update_params.rows; r++) {
    let w = weights_in[r];
    num += w * points[r * update_params.d_in + d];
    den += w;
  }
  estimate_out[d] = num / den;
}
