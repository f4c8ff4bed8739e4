// Tiled matrix multiply, f32:  C = alpha·op(A)·op(B) + (accumulate ? C : 0).
//
// C is [m, n] with row stride ldc. op(A) is [m, k]: A stored [m, k] (row stride
// lda), or with TRANS_A stored [k, m]. op(B) is [k, n]: B stored [k, n] (row
// stride ldb), or with TRANS_B stored [n, k]. All offsets are in elements.
//
// Tiling (register blocking + shared K slices, the scheme of TF.js's
// matmul_packed_webgpu and onnxruntime-web's MatMulPacked):
//   * one workgroup of WG_X × WG_Y threads computes a TILE_M × TILE_N block of
//     C, TILE_M = 4·WG_Y and TILE_N = 4·WG_X (64 × 64 with 16 × 16 threads);
//   * thread (x, y) owns the 4 × 4 block at rows 4y..4y+3, columns 4x..4x+3,
//     kept in four vec4 registers;
//   * K is walked in slices of TILE_K: the threads stage the A slice
//     [TILE_M × TILE_K] and the B slice [TILE_K × TILE_N] in workgroup memory,
//     each thread storing whole vec4s (4 rows of A, or 4 columns of B, at one
//     depth), in an order chosen per layout so that consecutive threads read
//     consecutive addresses of the stored matrix (coalesced);
//   * per k, a thread reads one vec4 of A (its 4 rows) and one vec4 of B (its
//     4 columns) and does 16 multiply-adds: 2 shared loads per 16 FMAs.
// Elements outside [m, k] / [k, n] are staged as zero, so any sizes work.
// The 4 × 4 register block is a `const`: function-scope arrays need
// const-expression sizes (WGSL §6.2.9); the workgroup shape and TILE_K are
// `override`s.
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
@group(0) @binding(1) var<storage, read> b: array<Stored>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// a_tile[kk·WG_Y + i]: rows 4i..4i+3 of the A slice at depth kk.
var<workgroup> a_tile: array<vec4<f32>, TILE_K * WG_Y>;
// b_tile[kk·WG_X + j]: columns 4j..4j+3 of the B slice at depth kk.
var<workgroup> b_tile: array<vec4<f32>, TILE_K * WG_X>;

/** op(A)[row, col], zero outside the matrix. */
fn load_a(row: u32, col: u32) -> f32 {
  if (row >= params.m || col >= params.k) {
    return 0.0;
  }
  if (TRANS_A) {
    return f32(a[params.a_offset + col * params.lda + row]);
  }
  return f32(a[params.a_offset + row * params.lda + col]);
}

/** op(B)[row, col], zero outside the matrix. */
fn load_b(row: u32, col: u32) -> f32 {
  if (row >= params.k || col >= params.n) {
    return 0.0;
  }
  if (TRANS_B) {
    return f32(b[params.b_offset + col * params.ldb + row]);
  }
  return f32(b[params.b_offset + row * params.ldb + col]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile_m = 4u * WG_Y;
  let tile_n = 4u * WG_X;
  let row0 = wid.y * tile_m;
  let col0 = wid.x * tile_n;
  let tid = lid.y * WG_X + lid.x;
  let threads = WG_X * WG_Y;

  // acc[r] = C[row0 + 4·lid.y + r, col0 + 4·lid.x .. +3]
  var acc: array<vec4<f32>, 4>;

  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // Each item stages one vec4 (4 rows of A or 4 columns of B at one depth).
    // Walk the stored matrix's contiguous index fastest so reads coalesce.
    for (var e = tid; e < WG_Y * TILE_K; e += threads) {
      var i4: u32;
      var kk: u32;
      if (TRANS_A) {
        i4 = e % WG_Y;
        kk = e / WG_Y;
      } else {
        kk = e % TILE_K;
        i4 = e / TILE_K;
      }
      let row = row0 + 4u * i4;
      let col = k0 + kk;
      a_tile[kk * WG_Y + i4] = vec4(load_a(row, col), load_a(row + 1u, col), load_a(row + 2u, col), load_a(row + 3u, col));
    }
    for (var e = tid; e < WG_X * TILE_K; e += threads) {
      var j4: u32;
      var kk: u32;
      if (TRANS_B) {
        kk = e % TILE_K;
        j4 = e / TILE_K;
      } else {
        j4 = e % WG_X;
        kk = e / WG_X;
      }
      let row = k0 + kk;
      let col = col0 + 4u * j4;
      b_tile[kk * WG_X + j4] = vec4(load_b(row, col), load_b(row, col + 1u), load_b(row, col + 2u), load_b(row, col + 3u));
    }
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

  for (var r = 0u; r < 4u; r++) {
    let row = row0 + 4u * lid.y + r;
    if (row >= params.m) {
      break;
    }
    for (var q = 0u; q < 4u; q++) {
      let col = col0 + 4u * lid.x + q;
      if (col >= params.n) {
        break;
      }
      let index = params.c_offset + row * params.ldc + col;
      // select() keeps a NaN already in C out of the result when not accumulating.
      let prior = select(0.0, c[index], params.accumulate != 0u);
      c[index] = params.alpha * acc[r][q] + prior;
    }
  }
}
