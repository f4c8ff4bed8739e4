// Which latents of an SAE batch are active: per-row TopK, BatchTopK (the top
// rows·k values of the whole batch), or every value at or above a threshold
// (BatchTopK inference; threshold 0 gives ReLU). Only positive values are ever
// kept, because σ ends in a ReLU. The result is a CSR list: rows in order,
// latents ascending within a row.
//
// This is the path for pre-activations split over several latent blocks (big
// SAEs); with one block, src/sae/topk.ts uses sae-topk-rows.wgsl and
// sae-topk-batch.wgsl, which give the same lists and state in a few dispatches.
//
// Radix select on the float bits: for positive floats the IEEE-754 bit pattern
// read as u32 orders like the value, so the k-th largest value is found 8 bits
// at a time. Pass p = 0..3 (`histogram`, then `select_pass`) histograms digit p
// (most significant first) of the values whose higher digits equal the prefix
// found so far, and picks the digit that holds the remaining-th largest. Ties
// at the final value are broken by index (the earlier latent, or in batch mode
// the earlier row·m + latent, wins): when not every value equal to the
// threshold is kept, passes 4..7 run the same select on ~index among them.
// The threshold (value_key, index_key) is then unique and the selection is the
// predicate  bits > value_key || (bits == value_key && ~index >= index_key),
// which exactly k elements pass (every positive one when fewer than k are
// positive). Segments already settled skip later passes.
//
// Pre-activations arrive in latent blocks (src/sae/latent-blocks.ts): each
// pass is one dispatch per block adding into global histograms with integer
// atomics, whose sums do not depend on scheduling. Compaction: `count` counts
// the kept elements of each CHUNK-latent piece of a row, `offsets` turns a
// row's chunk counts into exclusive offsets and a row total,
// exclusive-scan-u32 turns row totals into row starts, and `write` emits each
// chunk's elements in latent order at its offset (a workgroup prefix sum of
// the threads' kept counts).
//
// Entry points bind different resources at the same binding numbers (allowed:
// no entry point uses two of them); each entry's bindings are listed with it.

// Threads per workgroup (a power of two ≤ 256, for the bin loops and the
// scan) and latents per thread; a workgroup handles a CHUNK of a row.
override WG: u32 = 64u;
override ITEMS: u32 = 8u;
override CHUNK: u32 = WG * ITEMS;
const BINS: u32 = 256u;

struct SelectState {
  value_key: u32,
  index_key: u32,
  // Elements still to keep among those matching the key prefix found so far.
  remaining: u32,
  // 1 once the threshold is fully determined.
  done: u32,
}

// Run-time sizes of one latent block: pre is [rows, width] for latents
// latent_offset .. latent_offset + width − 1 of `latents`.
struct BlockParams {
  rows: u32,
  width: u32,
  latent_offset: u32,
  latents: u32,
  // 1: one selection over the whole batch (BatchTopK); 0: one per row.
  batch_mode: u32,
  // 1: only latents idle for ≥ min_idle tokens may be kept (AuxK's dead latents).
  use_mask: u32,
  min_idle: u32,
  radix_pass: u32,
  // This block's first chunk in a row's chunk list, and chunks per row over all blocks.
  chunk_base: u32,
  chunks_per_row: u32,
  capacity: u32,
}

fn prefix_matches(x: u32, key: u32, p: u32) -> bool {
  return p == 0u || (x >> (32u - 8u * p)) == (key >> (32u - 8u * p));
}

fn digit(x: u32, p: u32) -> u32 {
  return (x >> (24u - 8u * p)) & 255u;
}

// Larger for earlier elements, so that ties keep the earliest.
fn index_key(row: u32, latent: u32, bp: BlockParams) -> u32 {
  return ~select(latent, row * bp.latents + latent, bp.batch_mode != 0u);
}

fn kept(v: f32, row: u32, latent: u32, idle: u32, s: SelectState, bp: BlockParams) -> bool {
  if (!(v > 0.0) || (bp.use_mask != 0u && idle < bp.min_idle)) {
    return false;
  }
  let bits = bitcast<u32>(v);
  return bits > s.value_key || (bits == s.value_key && index_key(row, latent, bp) >= s.index_key);
}

fn segment(row: u32, bp: BlockParams) -> u32 {
  return select(row, 0u, bp.batch_mode != 0u);
}

// ---- histogram, count: pre [rows, width] f32, idle [latents] u32, state [segments];
// histogram writes hist [segments, 256], count writes chunk_counts [rows, chunks_per_row].
@group(0) @binding(0) var<storage, read> pre: array<f32>;
@group(0) @binding(1) var<storage, read> idle: array<u32>;
@group(0) @binding(2) var<storage, read> state: array<SelectState>;
@group(0) @binding(3) var<storage, read_write> hist: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> chunk_counts: array<u32>;
@group(0) @binding(4) var<uniform> params: BlockParams;

var<workgroup> local_hist: array<atomic<u32>, BINS>;
var<workgroup> chunk_total: atomic<u32>;
var<workgroup> segment_done: u32;

// Workgroups: (ceil(width / CHUNK), rows). Thread lid handles the run of ITEMS
// latents starting at chunk start + lid · ITEMS.
@compute @workgroup_size(WG)
fn histogram(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y;
  let seg = segment(row, params);
  let s = state[seg];
  if (lid == 0u) {
    segment_done = s.done;
  }
  // Settled segments skip the pass (uniformly, as the barriers below require).
  if (workgroupUniformLoad(&segment_done) != 0u) {
    return;
  }
  for (var b = lid; b < BINS; b += WG) {
    atomicStore(&local_hist[b], 0u);
  }
  workgroupBarrier();
  let first = wid.x * CHUNK + lid * ITEMS;
  let p = params.radix_pass;
  for (var jl = first; jl < min(first + ITEMS, params.width); jl++) {
    let j = params.latent_offset + jl;
    let v = pre[row * params.width + jl];
    if (v > 0.0 && (params.use_mask == 0u || idle[j] >= params.min_idle)) {
      let bits = bitcast<u32>(v);
      if (p < 4u) {
        if (prefix_matches(bits, s.value_key, p)) {
          atomicAdd(&local_hist[digit(bits, p)], 1u);
        }
      } else if (bits == s.value_key) {
        let ik = index_key(row, j, params);
        if (prefix_matches(ik, s.index_key, p - 4u)) {
          atomicAdd(&local_hist[digit(ik, p - 4u)], 1u);
        }
      }
    }
  }
  workgroupBarrier();
  for (var b = lid; b < BINS; b += WG) {
    let c = atomicLoad(&local_hist[b]);
    if (c > 0u) {
      atomicAdd(&hist[seg * BINS + b], c);
    }
  }
}

// Workgroups: (ceil(width / CHUNK), rows).
@compute @workgroup_size(WG)
fn count(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y;
  if (lid == 0u) {
    atomicStore(&chunk_total, 0u);
  }
  workgroupBarrier();
  let s = state[segment(row, params)];
  let first = wid.x * CHUNK + lid * ITEMS;
  var n = 0u;
  for (var jl = first; jl < min(first + ITEMS, params.width); jl++) {
    let j = params.latent_offset + jl;
    n += select(0u, 1u, kept(pre[row * params.width + jl], row, j, idle[j], s, params));
  }
  atomicAdd(&chunk_total, n);
  workgroupBarrier();
  if (lid == 0u) {
    chunk_counts[row * params.chunks_per_row + params.chunk_base + wid.x] = atomicLoad(&chunk_total);
  }
}

// ---- write: pre, idle, state as above, chunk_offsets [rows, chunks_per_row],
// row_start [rows + 1] → out_latent, out_value, out_row [capacity]. Eight storage
// bindings: WebGPU's default maxStorageBuffersPerShaderStage.
@group(0) @binding(3) var<storage, read> chunk_offsets: array<u32>;
@group(0) @binding(4) var<storage, read> row_start: array<u32>;
@group(0) @binding(5) var<storage, read_write> out_latent: array<u32>;
@group(0) @binding(6) var<storage, read_write> out_value: array<f32>;
@group(0) @binding(7) var<storage, read_write> out_row: array<u32>;
@group(0) @binding(8) var<uniform> write_params: BlockParams;

var<workgroup> scan_buf: array<u32, WG>;

// Workgroups: (ceil(width / CHUNK), rows). Each thread counts the kept latents
// of its run, a Hillis–Steele scan over the threads places the runs, and each
// thread writes its run in latent order.
@compute @workgroup_size(WG)
fn write(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bp = write_params;
  let row = wid.y;
  let s = state[segment(row, bp)];
  let first = wid.x * CHUNK + lid * ITEMS;
  let last = min(first + ITEMS, bp.width);
  var n = 0u;
  for (var jl = first; jl < last; jl++) {
    let j = bp.latent_offset + jl;
    n += select(0u, 1u, kept(pre[row * bp.width + jl], row, j, idle[j], s, bp));
  }
  scan_buf[lid] = n;
  workgroupBarrier();
  for (var offset = 1u; offset < WG; offset <<= 1u) {
    let x = select(0u, scan_buf[lid - offset], lid >= offset);
    workgroupBarrier();
    scan_buf[lid] += x;
    workgroupBarrier();
  }
  var pos = row_start[row] + chunk_offsets[row * bp.chunks_per_row + bp.chunk_base + wid.x] + scan_buf[lid] - n;
  for (var jl = first; jl < last; jl++) {
    let j = bp.latent_offset + jl;
    let v = pre[row * bp.width + jl];
    if (kept(v, row, j, idle[j], s, bp)) {
      if (pos < bp.capacity) {
        out_latent[pos] = j;
        out_value[pos] = v;
        out_row[pos] = row;
      }
      pos++;
    }
  }
}

// ---- offsets: chunk_counts [rows, chunks_per_row] → exclusive offsets in place, row_count [rows].
@group(0) @binding(0) var<storage, read_write> offsets_chunks: array<u32>;
@group(0) @binding(1) var<storage, read_write> row_count: array<u32>;
@group(0) @binding(2) var<uniform> offsets_params: BlockParams;

// Workgroups: ceil(rows / 64); one thread per row.
@compute @workgroup_size(64)
fn offsets(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.x;
  if (row >= offsets_params.rows) {
    return;
  }
  let base = row * offsets_params.chunks_per_row;
  var total = 0u;
  for (var c = 0u; c < offsets_params.chunks_per_row; c++) {
    let n = offsets_chunks[base + c];
    offsets_chunks[base + c] = total;
    total += n;
  }
  row_count[row] = total;
}

// ---- start: threshold [1] f32 → sel_state [segments], sel_hist [segments, 256] cleared.
struct StartParams {
  segments: u32,
  // 0: keep `k` per segment (radix select follows); 1: keep values ≥ threshold[0] (≤ 0: every positive value).
  mode: u32,
  k: u32,
}
@group(0) @binding(0) var<storage, read> threshold: array<f32>;
@group(0) @binding(1) var<storage, read_write> start_state: array<SelectState>;
@group(0) @binding(2) var<storage, read_write> start_hist: array<u32>;
@group(0) @binding(3) var<uniform> start_params: StartParams;

// Workgroups: ceil(segments / 64).
@compute @workgroup_size(64)
fn start(@builtin(global_invocation_id) gid: vec3<u32>) {
  let seg = gid.x;
  if (seg >= start_params.segments) {
    return;
  }
  if (start_params.mode == 0u) {
    start_state[seg] = SelectState(0u, 0u, start_params.k, 0u);
  } else {
    // The bits of +0.0 are 0, so a threshold ≤ 0 keeps every positive value.
    start_state[seg] = SelectState(bitcast<u32>(max(threshold[0], 0.0)), 0u, 0u, 1u);
  }
  for (var i = 0u; i < 256u; i++) {
    start_hist[seg * 256u + i] = 0u;
  }
}

// ---- select_pass: pass_hist [segments, 256] (read, then cleared), pass_state [segments] (updated).
struct PassParams {
  segments: u32,
  radix_pass: u32,
}
@group(0) @binding(0) var<storage, read_write> pass_hist: array<u32>;
@group(0) @binding(1) var<storage, read_write> pass_state: array<SelectState>;
@group(0) @binding(2) var<uniform> pass_params: PassParams;

// Workgroups: ceil(segments / 64); one thread per segment.
@compute @workgroup_size(64)
fn select_pass(@builtin(global_invocation_id) gid: vec3<u32>) {
  let seg = gid.x;
  if (seg >= pass_params.segments) {
    return;
  }
  let base = seg * 256u;
  let p = pass_params.radix_pass;
  var s = pass_state[seg];
  if (s.done == 0u) {
    // The digit d holding the remaining-th largest: acc elements lie in higher digits.
    var acc = 0u;
    var d = 256u;
    for (var i = 255i; i >= 0i; i--) {
      let h = pass_hist[base + u32(i)];
      if (acc + h >= s.remaining) {
        d = u32(i);
        break;
      }
      acc += h;
    }
    if (d == 256u) {
      // Fewer eligible positive values than k (only possible in pass 0): keep them all.
      s = SelectState(0u, 0u, 0u, 1u);
    } else {
      let ties = pass_hist[base + d];
      s.remaining -= acc;
      if (p < 4u) {
        s.value_key |= d << (24u - 8u * p);
      } else {
        s.index_key |= d << (24u - 8u * (p - 4u));
      }
      // After the last value digit: when every element equal to the threshold is kept,
      // index_key 0 admits them all and the index passes are not needed.
      if ((p == 3u && s.remaining == ties) || p == 7u) {
        s.done = 1u;
      }
    }
    pass_state[seg] = s;
  }
  for (var i = 0u; i < 256u; i++) {
    pass_hist[base + i] = 0u;
  }
}
