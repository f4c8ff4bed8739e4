// Split-K partial Gram matrices of shifted, augmented rows, for
// CovarianceAccumulator (src/linalg/covariance.ts):
//
//   partial[z] = Σ_{r in split z} ỹ_r x̃_rᵀ      [(dy+1), (dx+1)] row-major
//   x̃_r = [x_r − shift_x, 1],  ỹ_r = [y_r − shift_y, 1]
//
// Shifting by a value near the mean keeps the sums small, so the covariance
// Σ ỹx̃ᵀ/N − (Σỹ/N)(Σx̃/N)ᵀ computed later does not cancel catastrophically
// when the mean is ≫ the spread ("shifted data" algorithm, Chan, Golub &
// LeVeque 1983). The constant 1 appended to each row makes the last column
// and row of the Gram hold the shifted column sums, so one kernel gives both.
//
// Rows r of x are at x[x_offset + r·x_stride + j]; likewise y. For the Gram of
// x with itself bind x as y too and set SYMMETRIC: workgroups whose tile lies
// strictly below the diagonal exit, and only the upper triangle is written.
//
// Tiling as in matmul.wgsl (op(A)ᵀ·B with both stored row-major): a workgroup
// of WG_X × WG_Y threads computes a (4·WG_Y) × (4·WG_X) tile, 4 × 4 per
// thread, staging TILE_K rows of ỹ and x̃ at a time in workgroup memory.
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

/** x̃_r[j]: shifted x, 1 in the extra column, 0 past it or past the split. */
fn x_aug(r: u32, end: u32, j: u32) -> f32 {
  if (r >= end || j > params.dx) {
    return 0.0;
  }
  if (j == params.dx) {
    return 1.0;
  }
  return x[params.x_offset + r * params.x_stride + j] - shift_x[j];
}

/** ỹ_r[i]: shifted y, 1 in the extra column, 0 past it or past the split. */
fn y_aug(r: u32, end: u32, i: u32) -> f32 {
  if (r >= end || i > params.dy) {
    return 0.0;
  }
  if (i == params.dy) {
    return 1.0;
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

  for (var r0 = start; r0 < end; r0 += TILE_K) {
    // Each item stages one vec4 (4 consecutive components of one row);
    // consecutive threads take consecutive vec4s of a row: contiguous reads.
    for (var e = tid; e < WG_Y * TILE_K; e += threads) {
      let i = row0 + 4u * (e % WG_Y);
      let r = r0 + e / WG_Y;
      y_tile[e] = vec4(y_aug(r, end, i), y_aug(r, end, i + 1u), y_aug(r, end, i + 2u), y_aug(r, end, i + 3u));
    }
    for (var e = tid; e < WG_X * TILE_K; e += threads) {
      let j = col0 + 4u * (e % WG_X);
      let r = r0 + e / WG_X;
      x_tile[e] = vec4(x_aug(r, end, j), x_aug(r, end, j + 1u), x_aug(r, end, j + 2u), x_aug(r, end, j + 3u));
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
    if (i > params.dy) {
      break;
    }
    for (var q = 0u; q < 4u; q++) {
      let j = col0 + 4u * lid.x + q;
      if (j > params.dx) {
        break;
      }
      partial[base + i * cols + j] = acc[r][q];
    }
  }
}
