// Column means of a row-major matrix: out[j] = (1/rows) Σ_r x[x_offset + r·stride + j].
//
// Summed as x[0, j] + Σ_r (x[r, j] − x[0, j]) / rows: shifting by the first
// row keeps the running sums near the spread of the data instead of its mean,
// so a column whose mean is ≫ its std still gets a mean accurate to f32.
// A workgroup covers WG_X columns with WG_Y threads per column; thread y sums
// rows y, y + WG_Y, … (consecutive threads read consecutive columns of a
// row), and the WG_Y partial sums are added in a fixed order.

override WG_X: u32 = 64u;
override WG_Y: u32 = 4u;

struct Params {
  rows: u32,
  cols: u32,
  x_offset: u32,
  stride: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> sums: array<f32, WG_X * WG_Y>;

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let j = wid.x * WG_X + lid.x;
  let inside = j < params.cols;
  var first = 0.0;
  var sum = 0.0;
  if (inside) {
    first = x[params.x_offset + j];
    for (var r = lid.y; r < params.rows; r += WG_Y) {
      sum += x[params.x_offset + r * params.stride + j] - first;
    }
  }
  sums[lid.y * WG_X + lid.x] = sum;
  workgroupBarrier();
  if (lid.y == 0u && inside) {
    var total = 0.0;
    for (var y = 0u; y < WG_Y; y++) {
      total += sums[y * WG_X + lid.x];
    }
    out[j] = first + total / f32(params.rows);
  }
}
