// Per-latent lists of an SAE active set (the CSR list src/sae/topk.ts selects, read
// by column), so that gradients of per-latent parameters are reduced by one
// workgroup per latent in a fixed order: WGSL has no float atomics, and a
// fixed order makes results bit-identical from run to run. Each list item
// holds what the gradient kernel (sae-latent-grad.wgsl) reads of an entry, in
// one load: (row, decoder weight f · seed scale, encoder weight ∂L/∂pre, CSR
// position), the seed scale being factor · 2 / V (sae-loss.wgsl).
//
// One workgroup, one dispatch (a build is three steps whose dispatches' fixed
// costs were most of its time on an emulated adapter):
//   count: the rows are cut into chunks of rows_per_thread, one thread each
//          (chunks ≤ WG): count[j · chunks + c] = the entries of latent j in
//          chunk c. A thread owns its chunk's counters (it clears them first),
//          so there are no atomics and no per-latent search, and the work is
//          the number of entries (and latents, to clear).
//   scan:  every thread: start [latents · chunks + 1] = the exclusive prefix
//          sums of the counts, so latent j's list is start[j · chunks] ..
//          start[(j + 1) · chunks), chunk after chunk: its rows ascend. Thread
//          t sums a contiguous run of the counts, a Hillis–Steele scan over the
//          WG run totals gives each run's start, and each thread writes its run.
//   fill:  each chunk's thread walks it backwards, counting its counters down
//          (item at start[j · chunks + c] + what is left).
// storageBarrier() orders each step's writes before the next step's reads.

override WG: u32 = 64u;

struct Params {
  rows: u32,
  chunks: u32,
  rows_per_thread: u32,
  capacity: u32,
  latents: u32,
  // The seed scale's factor (1 for ∂L/∂ẑ, auxK_weight for ∂L/∂ê).
  factor: f32,
}

@group(0) @binding(0) var<storage, read> row_start: array<u32>;   // [rows + 1]
@group(0) @binding(1) var<storage, read> latent: array<u32>;      // [capacity]
@group(0) @binding(2) var<storage, read> value: array<f32>;       // [capacity]: f
@group(0) @binding(3) var<storage, read> weight: array<f32>;      // [capacity]: ∂L/∂pre
@group(0) @binding(4) var<storage, read> scalars: array<f32>;     // [4]: V first
@group(0) @binding(5) var<storage, read_write> counts: array<u32>; // [latents · chunks]
@group(0) @binding(6) var<storage, read_write> start: array<u32>;  // [latents · chunks + 1]
@group(0) @binding(7) var<storage, read_write> items: array<vec4<u32>>; // [capacity]
@group(0) @binding(8) var<uniform> params: Params;

var<workgroup> run_total: array<u32, WG>;

// The CSR positions of chunk c's entries (capacity-clipped).
fn chunk_entries(c: u32) -> vec2<u32> {
  let r0 = c * params.rows_per_thread;
  let r1 = min(r0 + params.rows_per_thread, params.rows);
  return vec2(min(row_start[r0], params.capacity), min(row_start[r1], params.capacity));
}

fn count_chunk(c: u32) {
  for (var j = 0u; j < params.latents; j++) {
    counts[j * params.chunks + c] = 0u;
  }
  let range = chunk_entries(c);
  for (var p = range.x; p < range.y; p++) {
    counts[latent[p] * params.chunks + c] += 1u;
  }
}

fn scan_counts(lid: u32) {
  let n = params.latents * params.chunks;
  let per = (n + WG - 1u) / WG;
  let first = min(lid * per, n);
  let last = min(first + per, n);
  var total = 0u;
  for (var i = first; i < last; i++) {
    total += counts[i];
  }
  run_total[lid] = total;
  workgroupBarrier();
  for (var offset = 1u; offset < WG; offset <<= 1u) {
    let x = select(0u, run_total[lid - offset], lid >= offset);
    workgroupBarrier();
    run_total[lid] += x;
    workgroupBarrier();
  }
  var acc = run_total[lid] - total;
  for (var i = first; i < last; i++) {
    start[i] = acc;
    acc += counts[i];
  }
  if (lid == WG - 1u) {
    start[n] = run_total[lid];
  }
}

fn fill_chunk(c: u32) {
  let scale = params.factor * 2.0 / scalars[0];
  let range = chunk_entries(c);
  // Rows of an entry, walking back from the chunk's last row.
  var r = min((c + 1u) * params.rows_per_thread, params.rows) - 1u;
  for (var p = range.y; p > range.x; p--) {
    let q = p - 1u;
    while (row_start[r] > q) {
      r--;
    }
    let slot = latent[q] * params.chunks + c;
    let left = counts[slot] - 1u;
    counts[slot] = left;
    items[start[slot] + left] = vec4(r, bitcast<u32>(scale * value[q]), bitcast<u32>(weight[q]), q);
  }
}

// Workgroups: 1.
@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  if (lid < params.chunks) {
    count_chunk(lid);
  }
  storageBarrier();
  scan_counts(lid);
  storageBarrier();
  if (lid < params.chunks) {
    fill_chunk(lid);
  }
}
