// Gradient with respect to each active activation of an SAE batch:
//   out[p] = scale · W_dec[latent[p], :] · vecs[row[p], :] + add
// with scale · vecs = ∂L/∂ẑ (or ∂L/∂ê for AuxK): vecs is the decoder's error
// matrix and scale = factor · 2 / V (sae-loss.wgsl). In TopK/BatchTopK every kept value
// is positive, so this is also ∂L/∂pre for that entry (the ReLU passes it);
// `add` carries the L1 penalty's constant gradient in ReLU mode. Only active
// entries get a gradient: the backward pass stays sparse.
//
// One thread per entry; W_dec arrives one latent block per dispatch and each
// thread handles its entry only in the block holding its latent. The product
// runs over Lanes (four floats when d_in divides by 4), summed at the end.

override WG: u32 = 64u;
alias Lane = f32; const LANES = 1u;

struct Params {
  rows: u32,
  d_in: u32,
  block_start: u32,
  block_count: u32,
  capacity: u32,
  add: f32,
  // The seed's scale is factor · 2 / scalars[0].
  factor: f32,
  // Threads per grid row (entry = gid.y · row_threads + gid.x).
  row_threads: u32,
}

@group(0) @binding(0) var<storage, read> decoder: array<Lane>;    // [block_count, d_in]
@group(0) @binding(1) var<storage, read> vecs: array<Lane>;       // [rows, d_in]
@group(0) @binding(2) var<storage, read> row_start: array<u32>;   // [rows + 1]
@group(0) @binding(3) var<storage, read> latent: array<u32>;      // [capacity]
@group(0) @binding(4) var<storage, read> row: array<u32>;         // [capacity]
@group(0) @binding(5) var<storage, read> scalars: array<f32>;     // [4]: V first
@group(0) @binding(6) var<storage, read_write> out: array<f32>;   // [capacity]
@group(0) @binding(7) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.y * params.row_threads + gid.x;
  if (p >= min(row_start[params.rows], params.capacity)) {
    return;
  }
  let jl = latent[p] - params.block_start;
  if (jl >= params.block_count) {
    return;
  }
  let n = params.d_in / LANES;
  let w = jl * n;
  let v = row[p] * n;
  var acc = Lane(0.0);
  for (var d = 0u; d < n; d++) {
    acc += decoder[w + d] * vecs[v + d];
  }
  // The sum of acc's lanes (dot with 1s; a scalar Lane is splat to 4 copies, hence the 1/4, exact).
  let scale = params.factor * 2.0 / scalars[0];
  out[p] = scale * dot(vec4<f32>(acc), vec4<f32>(f32(LANES) / 4.0)) + params.add;
}
