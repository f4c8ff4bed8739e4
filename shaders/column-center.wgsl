// Subtracts per-column values from a row-major matrix:
//   out[r·cols + j] = x[x_offset + r·stride + j] − means[j]     out: [rows, cols] dense
// A workgroup covers WG_X columns × WG_Y rows; the grid's y dimension is
// capped at the adapter's 65535 workgroups, so each thread steps through rows
// by WG_Y·(number of workgroups in y).

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

struct Params {
  rows: u32,
  cols: u32,
  x_offset: u32,
  stride: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> means: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG_X, WG_Y)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let j = gid.x;
  if (j >= params.cols) {
    return;
  }
  let mean = means[j];
  for (var r = gid.y; r < params.rows; r += WG_Y * groups.y) {
    out[r * params.cols + j] = x[params.x_offset + r * params.stride + j] - mean;
  }
}
