// Sparse SAE decoder: out_r = start_r + Σ_{p in row r} value[p] · W_dec[latent[p], :]
// touching only the active latents of each row — no dense m-wide product.
// The start of a row is bias + row_sign · x_r:
//   ẑ = b_dec + W_dec f         (bias b_dec, row_sign 0: inference)
//   e = ẑ − z                   (bias b_dec, x = z, row_sign −1: training's error)
//   e + ê                       (no bias, x = e, row_sign +1: AuxK's error on the residual)
// W_dec arrives one latent block at a time: the first block starts each row,
// later blocks add to `out`. Rows list latents in ascending order and blocks
// are visited in order, so each output element is one sequential f32 sum in
// latent order whatever the block split.
//
// Column statistics for the loss (train/loss.ts), with the last block: each
// thread sums its column over its chunk of rows into stats [chunks, 5, d_in]:
//   stats 1 (the error e = ẑ − z): slots 0, 1: Σ (z − b_dec), Σ (z − b_dec)²
//            (the batch variance about b_dec, which sits near the mean), 2: Σ e², 3: Σ e
//   stats 2 (AuxK's e + ê): slot 4: Σ (e + ê)²
// so the loss never reads the [rows, d_in] matrices again.
//
// One thread per Lane of a row and chunk of rows_per_thread rows (x: ⌈d_in /
// LANES⌉ in WG-wide groups, y: chunks): a thread walks each row's list once for
// LANES outputs, and few workgroups do the work (emulated adapters such as
// SwiftShader pay per workgroup; at SD 1.5's size there are still thousands).
// Entries past `capacity` were dropped by the selection and are skipped.

override WG: u32 = 64u;
alias Lane = f32; const LANES = 1u;
const STAT_SLOTS: u32 = 5u;

struct Params {
  rows: u32,
  d_in: u32,
  block_start: u32,
  block_count: u32,
  // 1: this is the first block (start each row); 0: add to out.
  first: u32,
  use_bias: u32,
  // −1, 0 or +1: the multiple of x_r in each row's start.
  row_sign: f32,
  capacity: u32,
  rows_per_thread: u32,
  // 0: none; 1: the error's column sums (slots 0-3); 2: AuxK's (slot 4).
  stats: u32,
}

@group(0) @binding(0) var<storage, read> decoder: array<Lane>;    // [block_count, d_in]
@group(0) @binding(1) var<storage, read> bias: array<Lane>;       // [d_in]
@group(0) @binding(2) var<storage, read> x: array<Lane>;          // [rows, d_in]
@group(0) @binding(3) var<storage, read> row_start: array<u32>;   // [rows + 1]
@group(0) @binding(4) var<storage, read> latent: array<u32>;      // [capacity]
@group(0) @binding(5) var<storage, read> value: array<f32>;       // [capacity]
@group(0) @binding(6) var<storage, read_write> out: array<Lane>;  // [rows, d_in]
@group(0) @binding(7) var<storage, read_write> stats: array<Lane>; // [chunks, STAT_SLOTS, d_in]
@group(0) @binding(8) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = params.d_in / LANES;
  let d = gid.x;
  let chunk = gid.y;
  let r0 = chunk * params.rows_per_thread;
  if (d >= n || r0 >= params.rows) {
    return;
  }
  let b = select(Lane(0.0), bias[d], params.use_bias != 0u);
  var s1 = Lane(0.0);
  var s2 = Lane(0.0);
  var e2 = Lane(0.0);
  var e1 = Lane(0.0);
  for (var r = r0; r < min(r0 + params.rows_per_thread, params.rows); r++) {
    let o = r * n + d;
    var xr = Lane(0.0);
    if (params.row_sign != 0.0) {
      xr = x[o];
    }
    var acc = b + params.row_sign * xr;
    if (params.first == 0u) {
      acc = out[o];
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
    let c = xr - b;
    s1 += c;
    s2 += c * c;
    e2 += acc * acc;
    e1 += acc;
  }
  let at = chunk * STAT_SLOTS * n + d;
  if (params.stats == 1u) {
    stats[at] = s1;
    stats[at + n] = s2;
    stats[at + 2u * n] = e2;
    stats[at + 3u * n] = e1;
  } else if (params.stats == 2u) {
    stats[at + 4u * n] = e2;
  }
}
