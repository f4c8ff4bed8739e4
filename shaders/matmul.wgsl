// Tiled matrix multiply, f32:  C = alpha·op(A)·op(B) + (accumulate ? C : 0).
//
// C is [m, n] with row stride ldc. op(A) is [m, k]: A stored [m, k] (row stride
// lda), or with TRANS_A stored [k, m]. op(B) is [k, n]: B stored [k, n] (row
// stride ldb), or with TRANS_B stored [n, k]. All offsets are in elements.
//
// Tiling (register blocking + shared K slices, the scheme of TF.js's
// matmul_packed_webgpu and onnxruntime-web's MatMulPacked):
//   * one workgroup of WG_X × WG_Y threads computes a TILE_M × TILE_N block of
//     C, TILE_M = 4·WG_Y and TILE_N = 4·WG_X (64 × 64 with 16 × 16 threads,
//     32 × 32 with 8 × 8; matmul.ts picks the shape from the output's size);
//   * thread (x, y) owns the 4 × 4 block at rows 4y..4y+3, columns 4x..4x+3,
//     kept in four vec4 registers;
//   * K is walked in slices of TILE_K (a multiple of 4): the threads stage the
//     A slice [TILE_M × TILE_K] and the B slice [TILE_K × TILE_N] in workgroup
//     memory, a vec4 (4 rows of A, or 4 columns of B, at one depth) per item,
//     items ordered per layout so that consecutive threads read consecutive
//     addresses of the stored matrix (coalesced);
//   * per k, a thread reads one vec4 of A (its 4 rows) and one vec4 of B (its
//     4 columns) and does 16 multiply-adds: 2 shared loads per 16 FMAs.
//
// Global loads. With VEC4_A (matmul.ts sets it when the stored rows of A, its
// offset and its row stride are multiples of 4 elements) A's slice is read
// through `a4`, one vec4 per 4 contiguous elements, instead of 4 scalar loads
// through `a`; likewise VEC4_B for B. Where the contiguous dimension is depth
// (A not transposed, B transposed) an item is a 4 × 4 block, 4 vec4 loads
// transposed in registers. `a` and `b` are always bound; `a4`, `b4` get a
// placeholder when unused.
//
// Bounds. matmul.ts dispatches twice. EDGE off: the tiles wholly inside C;
// they stage their full K slices without any bounds check, and add the last,
// partial slice (k mod TILE_K depths) straight from global memory, outside
// the staged loop. EDGE on: the tiles that cross C's last tile row or column
// (numbered along wid.x, see `edge_tile`); every staged element is checked
// and zero outside [m, k] / [k, n]. Checks are branch-free (clamped index,
// selected result); with VEC4 a vec4 is wholly inside or outside, one check
// for 4 elements. TF.js compiles check-free variants per shape instead.
// Each pipeline has a single staged loop (one barrier pair): CPU drivers
// (SwiftShader, lavapipe) run barriers as coroutines, and their compile time
// grows with every copy of a loop that holds one.
//
// The 4 × 4 register block is a `const`: function-scope arrays need
// const-expression sizes (WGSL §6.2.9); the workgroup shape and TILE_K are
// `override`s. Loops over the 4 × 4 block are written out: dynamic indexing
// of function-scope arrays can spill them to memory on some drivers.
//
// With SHIFT_A, op(A)[row, col] − a_shift[col] takes op(A)'s place (a
// per-depth shift: the SAE encoder's W_enc (z − b_dec) without a centred copy
// of z); zero outside A stays zero.
//
// Element type of A and B: `Stored` below. matmul.ts asks for "matmul@f16"
// where the adapter has shader-f16, and shaders.ts turns that line into
// `enable f16; alias Stored = f16;` (elements widen to f32 when staged, so
// products and sums stay f32 and only the inputs carry f16 rounding).

alias Stored = f32;

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 32u;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override VEC4_A: bool = false;
override VEC4_B: bool = false;
override EDGE: bool = false;
override SHIFT_A: bool = false;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  a_offset: u32,
  b_offset: u32,
  c_offset: u32,
  lda: u32,
  ldb: u32,
  ldc: u32,
  alpha: f32,
  accumulate: u32,
}

@group(0) @binding(0) var<storage, read> a: array<Stored>;
@group(0) @binding(1) var<storage, read> a4: array<vec4<Stored>>;
@group(0) @binding(2) var<storage, read> b: array<Stored>;
@group(0) @binding(3) var<storage, read> b4: array<vec4<Stored>>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
// [k] f32 with SHIFT_A, and its vec4 view where A's depth is read as vec4s (VEC4_A, not TRANS_A); placeholders otherwise.
@group(0) @binding(5) var<storage, read> a_shift: array<f32>;
@group(0) @binding(6) var<storage, read> a_shift4: array<vec4<f32>>;
@group(0) @binding(7) var<uniform> params: Params;

// a_tile[kk·WG_Y + i]: rows 4i..4i+3 of the A slice at depth kk.
var<workgroup> a_tile: array<vec4<f32>, TILE_K * WG_Y>;
// b_tile[kk·WG_X + j]: columns 4j..4j+3 of the B slice at depth kk.
var<workgroup> b_tile: array<vec4<f32>, TILE_K * WG_X>;

/** Element offset of op(A)[row, col] in `a`. */
fn a_index(row: u32, col: u32) -> u32 {
  return select(params.a_offset + row * params.lda + col, params.a_offset + col * params.lda + row, TRANS_A);
}

/** Element offset of op(B)[row, col] in `b`. */
fn b_index(row: u32, col: u32) -> u32 {
  return select(params.b_offset + row * params.ldb + col, params.b_offset + col * params.ldb + row, TRANS_B);
}

/** The shift of op(A)'s column col (0 without SHIFT_A); col < k. */
fn shift_at(col: u32) -> f32 {
  return select(0.0, a_shift[col], SHIFT_A);
}

/** op(A)[row, col] (− its shift); with EDGE zero outside the matrix (the loads clamped to element 0, the result selected). */
fn a_at(row: u32, col: u32) -> f32 {
  let inside = !EDGE || (row < params.m && col < params.k);
  return select(0.0, f32(a[select(0u, a_index(row, col), inside)]) - shift_at(select(0u, col, inside)), inside);
}

fn b_at(row: u32, col: u32) -> f32 {
  let inside = !EDGE || (row < params.k && col < params.n);
  return select(0.0, f32(b[select(0u, b_index(row, col), inside)]), inside);
}

/**
 * The vec4 of A holding op(A)[row, col] and the next 3 contiguous elements
 * (VEC4_A: m or k is a multiple of 4, so it is wholly inside or outside), less
 * `shift` (the shifts of its columns; the caller's, as rows share them).
 */
fn a_vec4(row: u32, col: u32, shift: vec4<f32>) -> vec4<f32> {
  let inside = !EDGE || (row < params.m && col < params.k);
  return select(vec4<f32>(), vec4<f32>(a4[select(0u, a_index(row, col), inside) / 4u]) - shift, inside);
}

fn b_vec4(row: u32, col: u32) -> vec4<f32> {
  let inside = !EDGE || (row < params.k && col < params.n);
  return select(vec4<f32>(), vec4<f32>(b4[select(0u, b_index(row, col), inside) / 4u]), inside);
}

/** op(A) rows row..row+3 at depth col. */
fn a_rows(row: u32, col: u32) -> vec4<f32> {
  if (VEC4_A && TRANS_A) {
    // Stored [k, m]: 4 rows at one depth, one shift.
    return a_vec4(row, col, vec4(shift_at(min(col, params.k - 1u))));
  }
  return vec4(a_at(row, col), a_at(row + 1u, col), a_at(row + 2u, col), a_at(row + 3u, col));
}

/** op(B) columns col..col+3 at depth row. */
fn b_cols(row: u32, col: u32) -> vec4<f32> {
  if (VEC4_B && !TRANS_B) {
    return b_vec4(row, col);
  }
  return vec4(b_at(row, col), b_at(row, col + 1u), b_at(row, col + 2u), b_at(row, col + 3u));
}

/** Stages the K slice at k0 of the tile at (row0, col0). */
fn stage(k0: u32, row0: u32, col0: u32, tid: u32) {
  let threads = WG_X * WG_Y;
  let blocks_k = TILE_K / 4u;
  if (VEC4_A && !TRANS_A) {
    // A's rows run along depth: an item is the 4 × 4 block of rows 4·i4.., depths 4q..,
    // 4 vec4 loads transposed into 4 staged vec4s; consecutive items take consecutive q.
    for (var e = tid; e < WG_Y * blocks_k; e += threads) {
      let i4 = e / blocks_k;
      let q = e % blocks_k;
      let row = row0 + 4u * i4;
      let col = k0 + 4u * q;
      // Depths col .. col + 3, shared by the 4 rows (clamped inside k, a multiple of 4 here: outside, a_vec4 selects zero).
      var shift = vec4<f32>();
      if (SHIFT_A) {
        shift = a_shift4[min(col, params.k - 4u) / 4u];
      }
      let r0 = a_vec4(row, col, shift);
      let r1 = a_vec4(row + 1u, col, shift);
      let r2 = a_vec4(row + 2u, col, shift);
      let r3 = a_vec4(row + 3u, col, shift);
      let at = 4u * q * WG_Y + i4;
      a_tile[at] = vec4(r0.x, r1.x, r2.x, r3.x);
      a_tile[at + WG_Y] = vec4(r0.y, r1.y, r2.y, r3.y);
      a_tile[at + 2u * WG_Y] = vec4(r0.z, r1.z, r2.z, r3.z);
      a_tile[at + 3u * WG_Y] = vec4(r0.w, r1.w, r2.w, r3.w);
    }
  } else {
    // An item is 4 rows at one depth; consecutive items walk A's contiguous dimension.
    for (var e = tid; e < WG_Y * TILE_K; e += threads) {
      var i4 = e / TILE_K;
      var kk = e % TILE_K;
      if (TRANS_A) {
        i4 = e % WG_Y;
        kk = e / WG_Y;
      }
      a_tile[kk * WG_Y + i4] = a_rows(row0 + 4u * i4, k0 + kk);
    }
  }
  if (VEC4_B && TRANS_B) {
    // B's stored rows are columns running along depth: 4 × 4 blocks as for A.
    for (var e = tid; e < WG_X * blocks_k; e += threads) {
      let j4 = e / blocks_k;
      let q = e % blocks_k;
      let col = col0 + 4u * j4;
      let row = k0 + 4u * q;
      let c0 = b_vec4(row, col);
      let c1 = b_vec4(row, col + 1u);
      let c2 = b_vec4(row, col + 2u);
      let c3 = b_vec4(row, col + 3u);
      let at = 4u * q * WG_X + j4;
      b_tile[at] = vec4(c0.x, c1.x, c2.x, c3.x);
      b_tile[at + WG_X] = vec4(c0.y, c1.y, c2.y, c3.y);
      b_tile[at + 2u * WG_X] = vec4(c0.z, c1.z, c2.z, c3.z);
      b_tile[at + 3u * WG_X] = vec4(c0.w, c1.w, c2.w, c3.w);
    }
  } else {
    for (var e = tid; e < WG_X * TILE_K; e += threads) {
      var j4 = e % WG_X;
      var kk = e / WG_X;
      if (TRANS_B) {
        kk = e % TILE_K;
        j4 = e / TILE_K;
      }
      b_tile[kk * WG_X + j4] = b_cols(k0 + kk, col0 + 4u * j4);
    }
  }
}

/** Tiles with a part outside C: those in the last tile column, then those in the last tile row. */
fn edge_tile(index: u32, tile_m: u32, tile_n: u32) -> vec2<u32> {
  let full_x = params.n / tile_n;
  let full_y = params.m / tile_m;
  let right = select(0u, full_y, full_x * tile_n < params.n);
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
  let row0 = tile.y * tile_m;
  let col0 = tile.x * tile_n;
  let tid = lid.y * WG_X + lid.x;
  let row = row0 + 4u * lid.y;
  let col = col0 + 4u * lid.x;

  // acc[r] = C[row + r, col .. col + 3]
  var acc: array<vec4<f32>, 4>;

  // Interior tiles: the full slices (unchecked); edge tiles: every slice (checked).
  let k_staged = select(params.k - params.k % TILE_K, params.k, EDGE);
  for (var k0 = 0u; k0 < k_staged; k0 += TILE_K) {
    stage(k0, row0, col0, tid);
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      let av = a_tile[kk * WG_Y + lid.y];
      let bv = b_tile[kk * WG_X + lid.x];
      acc[0] += av.x * bv;
      acc[1] += av.y * bv;
      acc[2] += av.z * bv;
      acc[3] += av.w * bv;
    }
    workgroupBarrier();
  }
  // Interior tiles: the last k mod TILE_K depths, each thread from global memory (all inside C).
  for (var p = k_staged; p < params.k; p++) {
    let av = vec4(a_at(row, p), a_at(row + 1u, p), a_at(row + 2u, p), a_at(row + 3u, p));
    let bv = vec4(b_at(p, col), b_at(p, col + 1u), b_at(p, col + 2u), b_at(p, col + 3u));
    acc[0] += av.x * bv;
    acc[1] += av.y * bv;
    acc[2] += av.z * bv;
    acc[3] += av.w * bv;
  }

  for (var r = 0u; r < 4u; r++) {
    if (EDGE && row + r >= params.m) {
      break;
    }
    for (var q = 0u; q < 4u; q++) {
      if (EDGE && col + q >= params.n) {
        break;
      }
      let index = params.c_offset + (row + r) * params.ldc + col + q;
      // select() keeps a NaN already in C out of the result when not accumulating.
      let prior = select(0.0, c[index], params.accumulate != 0u);
      c[index] = params.alpha * acc[r][q] + prior;
    }
  }
}
