// Sparse SAE decoder: out_r = bias + Σ_{p in row r} value[p] · W_dec[latent[p], :]
// (ẑ = W_dec f + b_dec), touching only the active latents of
// each row — no dense m-wide product. W_dec arrives one latent block at a
// time: the first block starts from the bias (or zero: AuxK's reconstruction
// has none), later blocks add to `out`. Rows list latents in ascending order
// and blocks are visited in order, so each output element is one sequential
// f32 sum in latent order whatever the block split.
//
// One thread per row and Lane (x: ⌈d_in / LANES⌉, y: rows): a thread walks
// its row's list once for LANES outputs, so the list's index loads are shared
// (SwiftShader runs every load of a lane on its own). Entries past `capacity`
// were dropped by the selection and are skipped.

override WG: u32 = 64u;
alias Lane = f32; const LANES = 1u;

struct Params {
  rows: u32,
  d_in: u32,
  block_start: u32,
  block_count: u32,
  // 1: this is the first block (start from the bias, or 0); 0: add to out.
  first: u32,
  use_bias: u32,
  capacity: u32,
}

@group(0) @binding(0) var<storage, read> decoder: array<Lane>;    // [block_count, d_in]
@group(0) @binding(1) var<storage, read> bias: array<Lane>;       // [d_in]
@group(0) @binding(2) var<storage, read> row_start: array<u32>;   // [rows + 1]
@group(0) @binding(3) var<storage, read> latent: array<u32>;      // [capacity]
@group(0) @binding(4) var<storage, read> value: array<f32>;       // [capacity]
@group(0) @binding(5) var<storage, read_write> out: array<Lane>;  // [rows, d_in]
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = params.d_in / LANES;
  let d = gid.x;
  let r = gid.y;
  if (d >= n || r >= params.rows) {
    return;
  }
  let o = r * n + d;
  var acc = Lane(0.0);
  if (params.first == 0u) {
    acc = out[o];
  } else if (params.use_bias != 0u) {
    acc = bias[d];
  }
  let end = min(row_start[r + 1u], params.capacity);
  for (var p = min(row_start[r], end); p < end; p++) {
    let jl = latent[p] - params.block_start;
    // Unsigned: latents before the block wrap around to large values.
    if (jl < params.block_count) {
      acc += value[p] * decoder[jl * n + d];
    }
  }
  out[o] = acc;
}
