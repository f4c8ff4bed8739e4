// Sparse SAE decoder: out_r = bias + Σ_{p in row r} value[p] · W_dec[latent[p], :]
// (ẑ = W_dec f + b_dec), touching only the active latents of
// each row — no dense m-wide product. W_dec arrives one latent block at a
// time: the first block starts from the bias (or zero: AuxK's reconstruction
// has none), later blocks add to `out`. Rows list latents in ascending order
// and blocks are visited in order, so each output element is one sequential
// f32 sum in latent order whatever the block split.
//
// One thread per row and COLS consecutive columns (x: ⌈d_in / COLS⌉, y: rows):
// a thread walks its row's list once for COLS outputs, so the list's index
// loads are shared (SwiftShader runs every load of a lane on its own). Entries
// past `capacity` were dropped by the selection and are skipped.

override WG: u32 = 64u;
// Columns per thread (the vec4 accumulator).
const COLS: u32 = 4u;

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

@group(0) @binding(0) var<storage, read> decoder: array<f32>;     // [block_count, d_in]
@group(0) @binding(1) var<storage, read> bias: array<f32>;        // [d_in]
@group(0) @binding(2) var<storage, read> row_start: array<u32>;   // [rows + 1]
@group(0) @binding(3) var<storage, read> latent: array<u32>;      // [capacity]
@group(0) @binding(4) var<storage, read> value: array<f32>;       // [capacity]
@group(0) @binding(5) var<storage, read_write> out: array<f32>;   // [rows, d_in]
@group(0) @binding(6) var<uniform> params: Params;

// The starting value of out[o]: the bias (or 0) on the first block, else what earlier blocks summed.
fn start_value(o: u32, d: u32) -> f32 {
  if (params.first != 0u) {
    return select(0.0, bias[d], params.use_bias != 0u);
  }
  return out[o];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = params.d_in;
  let d = gid.x * COLS;
  let r = gid.y;
  if (d >= n || r >= params.rows) {
    return;
  }
  let o = r * n + d;
  let end = min(row_start[r + 1u], params.capacity);
  let begin = min(row_start[r], end);
  if (d + COLS <= n) {
    var acc = vec4<f32>(start_value(o, d), start_value(o + 1u, d + 1u), start_value(o + 2u, d + 2u), start_value(o + 3u, d + 3u));
    for (var p = begin; p < end; p++) {
      let jl = latent[p] - params.block_start;
      // Unsigned: latents before the block wrap around to large values.
      if (jl < params.block_count) {
        let w = jl * n + d;
        acc += value[p] * vec4<f32>(decoder[w], decoder[w + 1u], decoder[w + 2u], decoder[w + 3u]);
      }
    }
    out[o] = acc.x;
    out[o + 1u] = acc.y;
    out[o + 2u] = acc.z;
    out[o + 3u] = acc.w;
    return;
  }
  // The last, partial group of columns.
  for (var c = 0u; d + c < n; c++) {
    var acc = start_value(o + c, d + c);
    for (var p = begin; p < end; p++) {
      let jl = latent[p] - params.block_start;
      if (jl < params.block_count) {
        acc += value[p] * decoder[jl * n + d + c];
      }
    }
    out[o + c] = acc;
  }
}
