// Split-K partial Gram matrices of shifted rows, with the shifted column
// sums, for CovarianceAccumulator (src/linalg/covariance.ts):
//
//   partial[z] = Σ_{r in split z} ỹ_r x̃_rᵀ      [(dy+1), (dx+1)] row-major
//   x̃_r = [x_r − shift_x, 1],  ỹ_r = [y_r − shift_y, 1]
//
// i.e. block [0..dy, 0..dx] holds Σ (y−shift_y)(x−shift_x)ᵀ, row dy holds
// Σ (x−shift_x), column dx holds Σ (y−shift_y) ([dy, dx] itself is unused).
// Shifting by a value near the mean keeps the sums small, so the covariance
// Σ ỹx̃ᵀ/N − (Σỹ/N)(Σx̃/N)ᵀ computed later does not cancel catastrophically
// when the mean is ≫ the spread ("shifted data" algorithm, Chan, Golub &
// LeVeque 1983).
//
// Rows r of x are at x[x_offset + r·x_stride + j]; likewise y. For the Gram of
// x with itself bind x as y too and set SYMMETRIC: workgroups whose tile lies
// strictly below the diagonal exit, only the upper triangle is written, and
// the sums of x go to column dx (G[j, dx]) where the upper triangle has them.
//
// Tiling as in matmul.wgsl (op(A)ᵀ·B with both stored row-major): a workgroup
// of WG_X × WG_Y threads computes a (4·WG_Y) × (4·WG_X) tile, 4 × 4 per
// thread, staging TILE_K rows of y and x at a time in workgroup memory.
// A thread always stages the same 4 columns (its index mod WG_X, resp. WG_Y,
// since the thread count is a multiple of both), so it also adds up what it
// stages; the workgroups in the first tile row (column sums of x) and first
// tile column (of y) reduce these at the end. The sums thus cost no extra
// tiles. Needs TILE_K ≥ WG_X, WG_Y (the reduction reuses the tiles).
// Split-K: workgroup z of the grid's third dimension sums rows
// [z·rows_per_split, (z+1)·rows_per_split) only, so a small d × d output still
// has enough workgroups to fill the GPU; covariance-reduce.wgsl then adds the
// splits in a fixed order (deterministic, no atomics).

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 32u;
override SYMMETRIC: bool = false;

struct Params {
  rows: u32,
  dx: u32,
  dy: u32,
  x_offset: u32,
  x_stride: u32,
  y_offset: u32,
  y_stride: u32,
  rows_per_split: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> shift_x: array<f32>;
@group(0) @binding(3) var<storage, read> shift_y: array<f32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

// y_tile[kk·WG_Y + i]: components 4i..4i+3 of ỹ for row kk of the slice.
var<workgroup> y_tile: array<vec4<f32>, TILE_K * WG_Y>;
// x_tile[kk·WG_X + j]: components 4j..4j+3 of x̃ for row kk of the slice.
var<workgroup> x_tile: array<vec4<f32>, TILE_K * WG_X>;

/** x_r[j] − shift_x[j], 0 past the row's end or the split's. */
fn x_shifted(r: u32, end: u32, j: u32) -> f32 {
  if (r >= end || j >= params.dx) {
    return 0.0;
  }
  return x[params.x_offset + r * params.x_stride + j] - shift_x[j];
}

/** y_r[i] − shift_y[i], 0 past the row's end or the split's. */
fn y_shifted(r: u32, end: u32, i: u32) -> f32 {
  if (r >= end || i >= params.dy) {
    return 0.0;
  }
  return y[params.y_offset + r * params.y_stride + i] - shift_y[i];
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // The tile's row range is [row0, row0 + tile_m), its column range [col0, col0 + tile_n);
  // with SYMMETRIC (tile_m == tile_n) a tile below the diagonal has nothing to add.
  if (SYMMETRIC && wid.y > wid.x) {
    return;
  }
  let tile_m = 4u * WG_Y;
  let tile_n = 4u * WG_X;
  let row0 = wid.y * tile_m;
  let col0 = wid.x * tile_n;
  let tid = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;
  let start = wid.z * params.rows_per_split;
  let end = min(start + params.rows_per_split, params.rows);

  var acc: array<vec4<f32>, 4>;
  // Sums of what this thread stages: columns 4·(tid mod WG_X).. of x, rows 4·(tid mod WG_Y).. of y.
  var x_sum = vec4<f32>();
  var y_sum = vec4<f32>();

  for (var r0 = start; r0 < end; r0 += TILE_K) {
    // Each item stages one vec4 (4 consecutive components of one row);
    // consecutive threads take consecutive vec4s of a row: contiguous reads.
    for (var e = tid; e < WG_Y * TILE_K; e += threads) {
      let i = row0 + 4u * (e % WG_Y);
      let r = r0 + e / WG_Y;
      let v = vec4(y_shifted(r, end, i), y_shifted(r, end, i + 1u), y_shifted(r, end, i + 2u), y_shifted(r, end, i + 3u));
      y_tile[e] = v;
      y_sum += v;
    }
    for (var e = tid; e < WG_X * TILE_K; e += threads) {
      let j = col0 + 4u * (e % WG_X);
      let r = r0 + e / WG_X;
      let v = vec4(x_shifted(r, end, j), x_shifted(r, end, j + 1u), x_shifted(r, end, j + 2u), x_shifted(r, end, j + 3u));
      x_tile[e] = v;
      x_sum += v;
    }
    workgroupBarrier();

    for (var kk = 0u; kk < TILE_K; kk++) {
      let yv = y_tile[kk * WG_Y + lid.y];
      let xv = x_tile[kk * WG_X + lid.x];
      acc[0] += yv.x * xv;
      acc[1] += yv.y * xv;
      acc[2] += yv.z * xv;
      acc[3] += yv.w * xv;
    }
    workgroupBarrier();
  }

  let cols = params.dx + 1u;
  let base = wid.z * (params.dy + 1u) * cols;
  for (var r = 0u; r < 4u; r++) {
    let i = row0 + 4u * lid.y + r;
    if (i >= params.dy) {
      break;
    }
    for (var q = 0u; q < 4u; q++) {
      let j = col0 + 4u * lid.x + q;
      if (j >= params.dx) {
        break;
      }
      partial[base + i * cols + j] = acc[r][q];
    }
  }

  // Reduce the staged sums, in a fixed order, through the (now free) tiles.
  x_tile[tid] = x_sum;
  y_tile[tid] = y_sum;
  workgroupBarrier();
  if (wid.y == 0u && tid < WG_X) {
    var total = vec4<f32>();
    for (var t = 0u; t < WG_Y; t++) {
      total += x_tile[t * WG_X + tid];
    }
    for (var q = 0u; q < 4u; q++) {
      let j = col0 + 4u * tid + q;
      if (j < params.dx) {
        let at = select(params.dy * cols + j, j * cols + params.dx, SYMMETRIC);
        partial[base + at] = total[q];
      }
    }
  }
  if (!SYMMETRIC && wid.x == 0u && tid < WG_Y) {
    var total = vec4<f32>();
    for (var t = 0u; t < WG_X; t++) {
      total += y_tile[t * WG_Y + tid];
    }
    for (var q = 0u; q < 4u; q++) {
      let i = row0 + 4u * tid + q;
      if (i < params.dy) {
        partial[base + i * cols + params.dx] = total[q];
      }
    }
  }
}
