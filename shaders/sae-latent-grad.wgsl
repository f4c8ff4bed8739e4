// Gradients of the per-latent SAE parameters, reduced over each latent's list
// of active entries (sae-csc.wgsl) in row order — a fixed order, hence
// bit-identical results across runs (no float atomics in WGSL).
//
//   row_sums:   out[j − start, :] (+)= Σ_{p in list(j)} weight[p] · vecs[row[p], :]
//               grad W_dec[j] = Σ f_rj (∂L/∂ẑ_r),  grad W_encᵀ[j] = Σ (∂L/∂pre_rj) z_c,r
//               One thread per latent and Lane: the list's index loads
//               (entry, weight, row) are paid once per LANES products.
//               Workgroups are flattened (wid.y · groups_x + wid.x) over
//               block_count × lane_groups: latent = flat / lane_groups.
//   row_and_weight_sums: the same, and sums[j] (+)= Σ_{p in list(j)} weight[p]
//               (grad b_enc beside grad W_encᵀ: one dispatch, not two), by the
//               first thread of each latent's first column group.
// `accumulate` adds to out and sums (the AuxK entries after the main ones).

override WG: u32 = 64u;
alias Lane = f32; const LANES = 1u;

struct Params {
  d_in: u32,
  block_start: u32,
  block_count: u32,
  accumulate: u32,
  // Workgroups per grid row (flat workgroup = wid.y · groups_x + wid.x).
  groups_x: u32,
  // Workgroups per latent, ⌈d_in / (LANES · WG)⌉.
  lane_groups: u32,
}

// Bindings of both: csc_entry, latent_start [latents + 1], weight [capacity], row [capacity], vecs [rows, d_in] → out [block_count, d_in]
@group(0) @binding(0) var<storage, read> csc_entry: array<u32>;
@group(0) @binding(1) var<storage, read> latent_start: array<u32>;
@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> row: array<u32>;
@group(0) @binding(4) var<storage, read> vecs: array<Lane>;
@group(0) @binding(5) var<storage, read_write> out: array<Lane>;

// The row sum of workgroup wid's thread lid; true when that thread is its latent's first (d = 0).
fn accumulate_rows(p: Params, wid: vec3<u32>, lid: u32) -> bool {
  let flat = wid.y * p.groups_x + wid.x;
  let jl = flat / p.lane_groups;
  let n = p.d_in / LANES;
  let d = (flat % p.lane_groups) * WG + lid;
  if (jl >= p.block_count || d >= n) {
    return false;
  }
  let j = p.block_start + jl;
  let o = jl * n + d;
  var acc = Lane(0.0);
  if (p.accumulate != 0u) {
    acc = out[o];
  }
  for (var q = latent_start[j]; q < latent_start[j + 1u]; q++) {
    let e = csc_entry[q];
    acc += weight[e] * vecs[row[e] * n + d];
  }
  out[o] = acc;
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
  let j = sum_params.block_start + (wid.y * sum_params.groups_x + wid.x) / sum_params.lane_groups;
  var acc = select(0.0, sums[j], sum_params.accumulate != 0u);
  for (var q = latent_start[j]; q < latent_start[j + 1u]; q++) {
    acc += weight[csc_entry[q]];
  }
  sums[j] = acc;
}
