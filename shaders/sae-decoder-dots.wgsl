// The dot of each active entry's decoder row with its row of the decoder's
// error matrix (e, or AuxK's e + ê):
//   out[p] = W_dec[latent[p], :] · vecs[row[p], :]
// The seed scale (factor · 2 / V, known once the loss has summed the errors)
// turns it into ∂L/∂f, and in TopK/BatchTopK, where every kept value is
// positive, ∂L/∂pre (sae-csc.wgsl's fill applies it, with L1's constant in
// ReLU mode). Only active entries get a gradient: the backward pass stays sparse.
//
// One thread per entry; W_dec arrives one latent block per dispatch and each
// thread handles its entry only in the block holding its latent. The product
// runs over Lanes (four floats when d_in divides by 4), summed at the end.
// sae-decode.wgsl's `rows` computes the same dots on a CPU adapter, with the decoder.

override WG: u32 = 64u;
alias Lane = f32; const LANES = 1u;

struct Params {
  rows: u32,
  d_in: u32,
  block_start: u32,
  block_count: u32,
  capacity: u32,
  // Threads per grid row (entry = gid.y · row_threads + gid.x).
  row_threads: u32,
}

@group(0) @binding(0) var<storage, read> decoder: array<Lane>;    // [block_count, d_in]
@group(0) @binding(1) var<storage, read> vecs: array<Lane>;       // [rows, d_in]
@group(0) @binding(2) var<storage, read> row_start: array<u32>;   // [rows + 1]
@group(0) @binding(3) var<storage, read> latent: array<u32>;      // [capacity]
@group(0) @binding(4) var<storage, read> row: array<u32>;         // [capacity]
@group(0) @binding(5) var<storage, read_write> out: array<f32>;   // [capacity]
@group(0) @binding(6) var<uniform> params: Params;

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
  out[p] = dot(vec4<f32>(acc), vec4<f32>(f32(LANES) / 4.0));
}
