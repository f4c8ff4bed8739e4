// Means and covariance from a running Gram total of shifted rows
// (covariance-gram.wgsl): for G = Σ_r ũ_r ṽ_rᵀ [(p+1), (q+1)] with
// ũ = [u − shift_u, 1], ṽ = [v − shift_v, 1] over N rows,
//
//   cov[i, j]  = G[i, j]/N − (G[i, q]/N)·(G[p, j]/N)        [p, q]
//   mean_u[i]  = shift_u[i] + G[i, q]/N                      [p]
//
// (G[i, q] = Σ(u_i − shift_u_i), G[p, j] = Σ(v_j − shift_v_j)). With
// SYMMETRIC (u = v) only G's upper triangle is valid and is read for both
// halves. One thread per output element; column 0's threads write the mean.

override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override SYMMETRIC: bool = false;

struct Params {
  p: u32,
  q: u32,
  inv_n: f32,
}

@group(0) @binding(0) var<storage, read> gram: array<f32>;
@group(0) @binding(1) var<storage, read> shift_u: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean_u: array<f32>;
@group(0) @binding(3) var<storage, read_write> cov: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

fn g(i: u32, j: u32) -> f32 {
  if (SYMMETRIC) {
    return gram[min(i, j) * (params.q + 1u) + max(i, j)];
  }
  return gram[i * (params.q + 1u) + j];
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y;
  let j = gid.x;
  if (i >= params.p || j >= params.q) {
    return;
  }
  let du = g(i, params.q) * params.inv_n;
  let dv = g(params.p, j) * params.inv_n;
  cov[i * params.q + j] = g(i, j) * params.inv_n - du * dv;
  if (j == 0u) {
    mean_u[i] = shift_u[i] + du;
  }
}
