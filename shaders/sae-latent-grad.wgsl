// Gradients of the per-latent SAE parameters, reduced over each latent's list
// of active entries (sae-csc.wgsl) in row order — a fixed order, hence
// bit-identical results across runs (no float atomics in WGSL).
//
//   row_sums:   out[j − start, :] (+)= Σ_{p in list(j)} weight[p] · vecs[row[p], :]
//               grad W_dec[j] = Σ f_rj (∂L/∂ẑ_r),  grad W_encᵀ[j] = Σ (∂L/∂pre_rj) z_c,r
//               One thread per latent and COLS consecutive columns: the list's
//               index loads (entry, weight, row) are paid once per COLS
//               products, not once per product — on SwiftShader, which runs
//               every load of a lane on its own, that made this pass ~3× faster.
//               Workgroups are flattened (wid.y · groups_x + wid.x) over
//               block_count × col_groups: latent = flat / col_groups.
//   row_and_weight_sums: the same, and sums[j] (+)= Σ_{p in list(j)} weight[p]
//               (grad b_enc beside grad W_encᵀ: one dispatch, not two), by the
//               first thread of each latent's first column group.
// `accumulate` adds to out and sums (the AuxK entries after the main ones).

override WG: u32 = 64u;
// Columns per row_sums thread (the vec4 accumulator).
const COLS: u32 = 4u;

struct Params {
  d_in: u32,
  block_start: u32,
  block_count: u32,
  accumulate: u32,
  // Workgroups per grid row (flat workgroup = wid.y · groups_x + wid.x).
  groups_x: u32,
  // Workgroups per latent, ⌈d_in / (COLS · WG)⌉.
  col_groups: u32,
}

// Bindings of both: csc_entry, latent_start [latents + 1], weight [capacity], row [capacity], vecs [rows, d_in] → out [block_count, d_in]
@group(0) @binding(0) var<storage, read> csc_entry: array<u32>;
@group(0) @binding(1) var<storage, read> latent_start: array<u32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> row: array<u32>;
@group(0) @binding(4) var<storage, read> vecs: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

// The row sum of workgroup wid's thread lid; true when that thread is its latent's first (d = 0).
fn accumulate_rows(p: Params, wid: vec3<u32>, lid: u32) -> bool {
  let flat = wid.y * p.groups_x + wid.x;
  let jl = flat / p.col_groups;
  let n = p.d_in;
  let d = ((flat % p.col_groups) * WG + lid) * COLS;
  if (jl >= p.block_count || d >= n) {
    return false;
  }
  let j = p.block_start + jl;
  let first = latent_start[j];
  let last = latent_start[j + 1u];
  let o = jl * n + d;
  if (d + COLS <= n) {
    var acc = vec4<f32>(0.0);
    if (p.accumulate != 0u) {
      acc = vec4<f32>(out[o], out[o + 1u], out[o + 2u], out[o + 3u]);
    }
    for (var q = first; q < last; q++) {
      let e = csc_entry[q];
      let v = row[e] * n + d;
      acc += weight[e] * vec4<f32>(vecs[v], vecs[v + 1u], vecs[v + 2u], vecs[v + 3u]);
    }
    out[o] = acc.x;
    out[o + 1u] = acc.y;
    out[o + 2u] = acc.z;
    out[o + 3u] = acc.w;
    return d == 0u;
  }
  // The last, partial group of columns.
  for (var c = 0u; d + c < n; c++) {
    var acc = select(0.0, out[o + c], p.accumulate != 0u);
    for (var q = first; q < last; q++) {
      let e = csc_entry[q];
      acc += weight[e] * vecs[row[e] * n + d + c];
    }
    out[o + c] = acc;
  }
  return d == 0u;
}

// ---- row_sums
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn row_sums(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  accumulate_rows(params, wid, lid);
}

// ---- row_and_weight_sums: as row_sums, and → sums [latents]
@group(0) @binding(6) var<storage, read_write> sums: array<f32>;
@group(0) @binding(7) var<uniform> sum_params: Params;

@compute @workgroup_size(WG)
fn row_and_weight_sums(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (!accumulate_rows(sum_params, wid, lid)) {
    return;
  }
  let j = sum_params.block_start + (wid.y * sum_params.groups_x + wid.x) / sum_params.col_groups;
  var acc = select(0.0, sums[j], sum_params.accumulate != 0u);
  for (var q = latent_start[j]; q < latent_start[j + 1u]; q++) {
    acc += weight[csc_entry[q]];
  }
  sums[j] = acc;
}
