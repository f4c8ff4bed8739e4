// Euclidean norm of each d-long row: norms[r] = ‖v[r·d .. r·d + d)‖.
// Used for the temporal profile ‖v_k[s]‖ of feature trajectories v: [m, S, d]
// (rows r = k·S + s). One thread per row, summing its d values in
// order; rows are short (d ≤ a few thousand), so no workgroup reduction.

override WG: u32 = 256u;

struct Params {
  rows: u32,
  d: u32,
}

@group(0) @binding(0) var<storage, read> v: array<f32>;
@group(0) @binding(1) var<storage, read_write> norms: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  for (var r = gid.x; r < params.rows; r += WG * groups.x) {
    var sum = 0.0;
    for (var j = 0u; j < params.d; j++) {
      let value = v[r * params.d + j];
      sum += value * value;
    }
    norms[r] = sqrt(sum);
  }
}
