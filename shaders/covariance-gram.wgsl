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
// since the thread count is a multiple of both), so it loads their shift once
// and also adds up what it stages; the workgroups in the first tile row
// (column sums of x) and first tile column (of y) reduce these at the end.
// The sums thus cost no extra tiles. Needs TILE_K ≥ WG_X, WG_Y (the
// reduction reuses the tiles).
//
// Loads and bounds as in matmul.wgsl: with VEC4 (covariance.ts sets it when
// dx, dy, both row strides and both offsets are multiples of 4) rows are read
// through `x4`, `y4` one vec4 at a time, the unused scalar views getting a
// placeholder. The first dispatch (EDGE off) holds the tiles wholly inside
// the output: their loads check only the row against the split's end (one
// compare per vec4 item, which also zeroes the split's last, partial slice);
// the second (EDGE) covers the tiles that cross the last tile row or column,
// numbered along wid.x (`edge_tile`), and also checks columns. One staged
// loop per pipeline (see matmul.wgsl on barriers and CPU drivers).

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 32u;
override SYMMETRIC: bool = false;
override VEC4: bool = false;
override EDGE: bool = false;

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
@group(0) @binding(1) var<storage, read> x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> y4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> shift_x: array<f32>;
@group(0) @binding(5) var<storage, read> shift_y: array<f32>;
@group(0) @binding(6) var<storage, read_write> partial: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

// y_tile[kk·WG_Y + i]: components 4i..4i+3 of ỹ for row kk of the slice.
var<workgroup> y_tile: array<vec4<f32>, TILE_K * WG_Y>;
// x_tile[kk·WG_X + j]: components 4j..4j+3 of x̃ for row kk of the slice.
var<workgroup> x_tile: array<vec4<f32>, TILE_K * WG_X>;

/** x_r[j] (unshifted); 0 past the split's end or (EDGE) past dx (branch-free: the load is clamped, its result selected). */
fn x_at(r: u32, end: u32, j: u32) -> f32 {
  let inside = r < end && (!EDGE || j < params.dx);
  return select(0.0, x[select(0u, params.x_offset + r * params.x_stride + j, inside)], inside);
}

/** y_r[i] (unshifted), as x_at. */
fn y_at(r: u32, end: u32, i: u32) -> f32 {
  let inside = r < end && (!EDGE || i < params.dy);
  return select(0.0, y[select(0u, params.y_offset + r * params.y_stride + i, inside)], inside);
}

/** x_r[j..j+3] (unshifted), as x_at; with VEC4 one load (dx is a multiple of 4: the vec4 is wholly inside or outside). */
fn x_vec(r: u32, end: u32, j: u32) -> vec4<f32> {
  if (VEC4) {
    let inside = r < end && (!EDGE || j < params.dx);
    return select(vec4<f32>(), x4[select(0u, params.x_offset + r * params.x_stride + j, inside) / 4u], inside);
  }
  return vec4(x_at(r, end, j), x_at(r, end, j + 1u), x_at(r, end, j + 2u), x_at(r, end, j + 3u));
}

/** y_r[i..i+3] (unshifted), as x_vec. */
fn y_vec(r: u32, end: u32, i: u32) -> vec4<f32> {
  if (VEC4) {
    let inside = r < end && (!EDGE || i < params.dy);
    return select(vec4<f32>(), y4[select(0u, params.y_offset + r * params.y_stride + i, inside) / 4u], inside);
  }
  return vec4(y_at(r, end, i), y_at(r, end, i + 1u), y_at(r, end, i + 2u), y_at(r, end, i + 3u));
}

/** shift[j], 0 past dim (padding columns stay 0 after the shift). */
fn shift_x_at(j: u32) -> f32 {
  return select(0.0, shift_x[min(j, params.dx - 1u)], j < params.dx);
}

fn shift_y_at(i: u32) -> f32 {
  return select(0.0, shift_y[min(i, params.dy - 1u)], i < params.dy);
}

/** What a thread keeps across slices: its 4 × 4 block, its staged sums, and the shifts of its staged columns. */
struct Thread {
  acc: array<vec4<f32>, 4>,
  x_sum: vec4<f32>,
  y_sum: vec4<f32>,
  x_shift: vec4<f32>,
  y_shift: vec4<f32>,
}

/**
 * Stages rows r0..r0+TILE_K−1 of the tile at (row0, col0), shifted, and adds
 * their products. A row past the split's end is staged as 0, not as −shift,
 * so it adds nothing to the products or the sums.
 */
fn multiply_slice(r0: u32, end: u32, row0: u32, col0: u32, lid: vec2<u32>, t: ptr<function, Thread>) {
  let tid = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;
  // Each item stages one vec4 (4 consecutive components of one row);
  // consecutive threads take consecutive vec4s of a row: contiguous reads.
  for (var e = tid; e < WG_Y * TILE_K; e += threads) {
    let r = r0 + e / WG_Y;
    let v = select(vec4<f32>(), y_vec(r, end, row0 + 4u * (e % WG_Y)) - (*t).y_shift, r < end);
    y_tile[e] = v;
    (*t).y_sum += v;
  }
  for (var e = tid; e < WG_X * TILE_K; e += threads) {
    let r = r0 + e / WG_X;
    let v = select(vec4<f32>(), x_vec(r, end, col0 + 4u * (e % WG_X)) - (*t).x_shift, r < end);
    x_tile[e] = v;
    (*t).x_sum += v;
  }
  workgroupBarrier();

  for (var kk = 0u; kk < TILE_K; kk++) {
    let yv = y_tile[kk * WG_Y + lid.y];
    let xv = x_tile[kk * WG_X + lid.x];
    (*t).acc[0] += yv.x * xv;
    (*t).acc[1] += yv.y * xv;
    (*t).acc[2] += yv.z * xv;
    (*t).acc[3] += yv.w * xv;
  }
  workgroupBarrier();
}

/** Tiles with a part outside the output: those in the last tile column, then those in the last tile row. */
fn edge_tile(index: u32, tile_m: u32, tile_n: u32) -> vec2<u32> {
  let full_x = params.dx / tile_n;
  let full_y = params.dy / tile_m;
  let right = select(0u, full_y, full_x * tile_n < params.dx);
  return select(vec2(index - right, full_y), vec2(full_x, index), index < right);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile_m = 4u * WG_Y;
  let tile_n = 4u * WG_X;
  var tile = wid.xy;
  if (EDGE) {
    tile = edge_tile(wid.x, tile_m, tile_n);
  }
  // The tile's row range is [row0, row0 + tile_m), its column range [col0, col0 + tile_n);
  // with SYMMETRIC (tile_m == tile_n) a tile below the diagonal has nothing to add.
  if (SYMMETRIC && tile.y > tile.x) {
    return;
  }
  let row0 = tile.y * tile_m;
  let col0 = tile.x * tile_n;
  let tid = lid.y * WG_X + lid.x;
  let start = wid.z * params.rows_per_split;
  let end = min(start + params.rows_per_split, params.rows);

  // A thread always stages columns 4·(tid mod WG_X).. of x and rows 4·(tid mod WG_Y).. of y.
  var t: Thread;
  let sj = col0 + 4u * (tid % WG_X);
  let si = row0 + 4u * (tid % WG_Y);
  t.x_shift = vec4(shift_x_at(sj), shift_x_at(sj + 1u), shift_x_at(sj + 2u), shift_x_at(sj + 3u));
  t.y_shift = vec4(shift_y_at(si), shift_y_at(si + 1u), shift_y_at(si + 2u), shift_y_at(si + 3u));

  for (var r0 = start; r0 < end; r0 += TILE_K) {
    multiply_slice(r0, end, row0, col0, lid.xy, &t);
  }

  let cols = params.dx + 1u;
  let base = wid.z * (params.dy + 1u) * cols;
  for (var r = 0u; r < 4u; r++) {
    let i = row0 + 4u * lid.y + r;
    if (EDGE && i >= params.dy) {
      break;
    }
    for (var q = 0u; q < 4u; q++) {
      let j = col0 + 4u * lid.x + q;
      if (EDGE && j >= params.dx) {
        break;
      }
      partial[base + i * cols + j] = t.acc[r][q];
    }
  }

  // Reduce the staged sums, in a fixed order, through the (now free) tiles.
  x_tile[tid] = t.x_sum;
  y_tile[tid] = t.y_sum;
  workgroupBarrier();
  if (tile.y == 0u && tid < WG_X) {
    var total = vec4<f32>();
    for (var k = 0u; k < WG_Y; k++) {
      total += x_tile[k * WG_X + tid];
    }
    for (var q = 0u; q < 4u; q++) {
      let j = col0 + 4u * tid + q;
      if (j < params.dx) {
        let at = select(params.dy * cols + j, j * cols + params.dx, SYMMETRIC);
        partial[base + at] = total[q];
      }
    }
  }
  if (!SYMMETRIC && tile.x == 0u && tid < WG_Y) {
    var total = vec4<f32>();
    for (var k = 0u; k < WG_X; k++) {
      total += y_tile[k * WG_Y + tid];
    }
    for (var q = 0u; q < 4u; q++) {
      let i = row0 + 4u * tid + q;
      if (i < params.dy) {
        partial[base + i * cols + params.dx] = total[q];
      }
    }
  }
}
