// Per-latent lists of an SAE active set (the CSR list src/sae/topk.ts selects, read
// by column), so that gradients of per-latent parameters are reduced by one
// workgroup per latent in a fixed order: WGSL has no float atomics, and a
// fixed order makes results bit-identical from run to run. Each list item
// holds what the gradient kernel (sae-latent-grad.wgsl) reads of an entry, in
// one load: (row, decoder weight f · seed scale, encoder weight ∂L/∂pre, CSR
// position), the seed scale being factor · 2 / V (sae-loss.wgsl) and
// ∂L/∂pre = seed scale · the entry's decoder dot (sae-decoder-dots.wgsl) + add.
//
// The rows are cut into chunks of rows_per_thread, one thread each: a thread
// owns its chunk's counters, so there are no atomics, no barriers and no
// per-latent search (which emulated adapters such as SwiftShader pay dearly
// for), and the work is the number of entries (and latents, to clear).
//   count: count[j · chunks + c] = the entries of latent j in chunk c (the
//          thread clears its counters first: a build never depends on the last).
//   (exclusive-scan-u32 turns the counts into start [latents · chunks + 1]:
//    latent j's list is start[j · chunks] .. start[(j + 1) · chunks), chunk
//    after chunk, so its rows ascend.)
//   fill:  each thread walks its chunk backwards, counting its counters down
//          (item at start[j · chunks + c] + what is left); a counter already
//          down to 0 (fill run twice) writes nothing.

override WG: u32 = 64u;

struct Params {
  rows: u32,
  chunks: u32,
  rows_per_thread: u32,
  capacity: u32,
  latents: u32,
  // fill: the seed scale's factor (1 for ∂L/∂ẑ, auxK_weight for ∂L/∂ê), and
  // what ∂L/∂pre adds (L1's constant gradient in ReLU mode, else 0).
  factor: f32,
  add: f32,
}

@group(0) @binding(0) var<storage, read> row_start: array<u32>;   // [rows + 1]
@group(0) @binding(1) var<storage, read> latent: array<u32>;      // [capacity]

// The CSR positions of chunk c's entries (capacity-clipped).
fn chunk_entries(c: u32, p: Params) -> vec2<u32> {
  let r0 = c * p.rows_per_thread;
  let r1 = min(r0 + p.rows_per_thread, p.rows);
  return vec2(min(row_start[r0], p.capacity), min(row_start[r1], p.capacity));
}

// ---- count: → count_out [latents · chunks]
@group(0) @binding(2) var<storage, read_write> count_out: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn count(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= params.chunks) {
    return;
  }
  for (var j = 0u; j < params.latents; j++) {
    count_out[j * params.chunks + c] = 0u;
  }
  let range = chunk_entries(c, params);
  for (var p = range.x; p < range.y; p++) {
    count_out[latent[p] * params.chunks + c] += 1u;
  }
}

// ---- fill: value [capacity] (f), dots [capacity] (decoder dots), scalars [4] (V first), start, counts → items [capacity]
@group(0) @binding(2) var<storage, read> value: array<f32>;
@group(0) @binding(3) var<storage, read> dots: array<f32>;
@group(0) @binding(4) var<storage, read> scalars: array<f32>;
@group(0) @binding(5) var<storage, read> start: array<u32>;
@group(0) @binding(6) var<storage, read_write> counts: array<u32>;
@group(0) @binding(7) var<storage, read_write> items: array<vec4<u32>>;
@group(0) @binding(8) var<uniform> fill_params: Params;

@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= fill_params.chunks) {
    return;
  }
  let scale = fill_params.factor * 2.0 / scalars[0];
  let range = chunk_entries(c, fill_params);
  // Rows of an entry, walking back from the chunk's last row.
  var r = min((c + 1u) * fill_params.rows_per_thread, fill_params.rows) - 1u;
  for (var p = range.y; p > range.x; p--) {
    let q = p - 1u;
    while (row_start[r] > q) {
      r--;
    }
    let slot = latent[q] * fill_params.chunks + c;
    let count = counts[slot];
    if (count == 0u) {
      continue;
    }
    counts[slot] = count - 1u;
    items[start[slot] + count - 1u] = vec4(r, bitcast<u32>(scale * value[q]), bitcast<u32>(scale * dots[q] + fill_params.add), q);
  }
}
