// One diagonal block step of the right-looking blocked Cholesky factorisation
// used by src/linalg/ridge-solve.ts (Golub & Van Loan, Matrix Computations,
// §4.2.8): for the nb × nb block at (k0, k0) of the working matrix M, whose
// earlier block columns have already been subtracted (by matmul),
//
//   factor   M[k0.., k0..] = L11 L11ᵀ   (unblocked Cholesky in workgroup memory)
//   write    L11 into l (zeros above the diagonal)   l: [d, d] row-major
//   invert   L11⁻¹ into linv[linv_offset..]            [NB, NB] row-major
//
// The explicit inverse of the small diagonal block turns the panel update and
// both triangular solves into matrix multiplies (L21 = M21·L11⁻ᵀ etc.).
//
// A pivot that is not > min_pivot · m0[j, j] (m0: the matrix before
// factorisation, so the test is relative to that variable's own scale; NaN
// fails too) means the matrix is not numerically positive definite: the
// first such global column + 1 goes into status[0] (0 = none), which the host
// reads and reports. One workgroup of WG threads; NB is the largest block
// (a const: the per-thread column of the inverse is a function-scope array,
// whose size must be a const-expression, WGSL §6.2.9).

const NB = 64u;
override WG: u32 = 256u;

struct Params {
  d: u32,
  k0: u32,
  nb: u32,
  linv_offset: u32,
  min_pivot: f32,
}

@group(0) @binding(0) var<storage, read> m: array<f32>;
@group(0) @binding(1) var<storage, read> m0: array<f32>;
@group(0) @binding(2) var<storage, read_write> l: array<f32>;
@group(0) @binding(3) var<storage, read_write> linv: array<f32>;
@group(0) @binding(4) var<storage, read_write> status: array<u32>;
@group(0) @binding(5) var<uniform> params: Params;

// a[i·NB + c]: the block, lower triangle in use; becomes L11.
var<workgroup> a: array<f32, NB * NB>;
var<workgroup> pivot: f32;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) tid: u32) {
  let d = params.d;
  let k0 = params.k0;
  let nb = params.nb;
  for (var e = tid; e < nb * nb; e += WG) {
    let i = e / nb;
    let c = e % nb;
    a[i * NB + c] = m[(k0 + i) * d + k0 + c];
  }
  workgroupBarrier();

  for (var j = 0u; j < nb; j++) {
    if (tid == 0u) {
      let p = a[j * NB + j];
      let scale = m0[(k0 + j) * d + k0 + j];
      if (!(p > params.min_pivot * scale) && status[0] == 0u) {
        status[0] = k0 + j + 1u;
      }
      pivot = sqrt(p);
    }
    workgroupBarrier();
    let s = pivot;
    for (var i = j + 1u + tid; i < nb; i += WG) {
      a[i * NB + j] /= s;
    }
    if (tid == 0u) {
      a[j * NB + j] = s;
    }
    workgroupBarrier();
    // Rank-1 update of the lower triangle right of and below (j, j).
    let rest = nb - j - 1u;
    for (var e = tid; e < rest * rest; e += WG) {
      let i = j + 1u + e / rest;
      let c = j + 1u + e % rest;
      if (c <= i) {
        a[i * NB + c] -= a[i * NB + j] * a[c * NB + j];
      }
    }
    workgroupBarrier();
  }

  for (var e = tid; e < nb * nb; e += WG) {
    let i = e / nb;
    let c = e % nb;
    l[(k0 + i) * d + k0 + c] = select(0.0, a[i * NB + c], c <= i);
  }

  // Column c of L11⁻¹ by forward substitution, L11 x = e_c (one thread per column).
  if (tid < nb) {
    let c = tid;
    var x: array<f32, NB>;
    for (var i = 0u; i < nb; i++) {
      var value = 0.0;
      if (i >= c) {
        var s = select(0.0, 1.0, i == c);
        for (var p = c; p < i; p++) {
          s -= a[i * NB + p] * x[p];
        }
        value = s / a[i * NB + i];
      }
      x[i] = value;
      linv[params.linv_offset + i * NB + c] = value;
    }
  }
}
