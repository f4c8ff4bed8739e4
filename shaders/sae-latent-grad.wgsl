// Gradients of the per-latent SAE parameters, reduced over each latent's list
// (sae-csc.wgsl: items (row, f · seed scale, ∂L/∂pre, position)) in row order —
// a fixed order, hence bit-identical results across runs (no float atomics in WGSL):
//   grad W_dec[j]  (+)= Σ_{(r, a, g) in list(j)} a · errors[r, :]        (a · e_r = f_rj ∂L/∂ẑ_r)
//   grad W_encᵀ[j] (+)= Σ_{(r, a, g) in list(j)} g · (z[r, :] − b_dec)    (z_c, with no centred copy)
//   grad b_enc[j]  (+)= Σ_{(r, a, g) in list(j)} g                       (by the first thread of the latent)
// with errors the decoder's error matrix (e, or e + ê for AuxK's lists).
// `accumulate` adds to the outputs (the AuxK lists after the main ones).
//
// One thread per latent and pair of Lanes (d and d + ⌈n / 2⌉, n = d_in / LANES):
// an item is one load for both gradients' products in both Lanes (emulated
// adapters pay per load). Workgroups are flattened (wid.y · groups_x + wid.x)
// over block_count × lane_groups: latent = flat / lane_groups.

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
  // Latent j's list is items[start[j · list_stride] .. start[(j + 1) · list_stride]).
  list_stride: u32,
}

@group(0) @binding(0) var<storage, read> items: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> start: array<u32>;
@group(0) @binding(2) var<storage, read> errors: array<Lane>;      // [rows, d_in]
@group(0) @binding(3) var<storage, read> z: array<Lane>;           // [rows, d_in]
@group(0) @binding(4) var<storage, read> b_dec: array<Lane>;       // [d_in]
@group(0) @binding(5) var<storage, read_write> grad_dec: array<Lane>; // [block_count, d_in]
@group(0) @binding(6) var<storage, read_write> grad_enc: array<Lane>; // [block_count, d_in]
@group(0) @binding(7) var<storage, read_write> grad_b_enc: array<f32>; // [latents]
@group(0) @binding(8) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let flat = wid.y * params.groups_x + wid.x;
  let jl = flat / params.lane_groups;
  let n = params.d_in / LANES;
  let half = (n + 1u) / 2u;
  let d = (flat % params.lane_groups) * WG + lid;
  if (jl >= params.block_count || d >= half) {
    return;
  }
  // The second Lane; a thread without one (odd n) takes d again and does not store it.
  let d2 = d + half;
  let two = d2 < n;
  let e2 = select(d, d2, two);
  let j = params.block_start + jl;
  let first = start[j * params.list_stride];
  let end = start[(j + 1u) * params.list_stride];
  let shift = b_dec[d];
  let shift2 = b_dec[e2];
  var dec = Lane(0.0);
  var enc = Lane(0.0);
  var dec2 = Lane(0.0);
  var enc2 = Lane(0.0);
  for (var q = first; q < end; q++) {
    let item = items[q];
    let o = item.x * n;
    let a = bitcast<f32>(item.y);
    let g = bitcast<f32>(item.z);
    dec += a * errors[o + d];
    enc += g * (z[o + d] - shift);
    dec2 += a * errors[o + e2];
    enc2 += g * (z[o + e2] - shift2);
  }
  let o = jl * n;
  // A branch, not select(): select would load the old values even when not accumulating.
  let add = params.accumulate != 0u;
  if (add) {
    dec += grad_dec[o + d];
    enc += grad_enc[o + d];
    dec2 += grad_dec[o + e2];
    enc2 += grad_enc[o + e2];
  }
  grad_dec[o + d] = dec;
  grad_enc[o + d] = enc;
  if (two) {
    grad_dec[o + d2] = dec2;
    grad_enc[o + d2] = enc2;
  }
  if (d == 0u) {
    var sum = 0.0;
    if (add) {
      sum = grad_b_enc[j];
    }
    for (var q = first; q < end; q++) {
      sum += bitcast<f32>(items[q].z);
    }
    grad_b_enc[j] = sum;
  }
}
