// BatchTopK's threshold when the batch's pre-activations sit in one buffer
// (one latent block): the (rows·k)-th largest candidate of the whole
// [rows, width] batch, with ties broken by the flat index row·width + latent
// (the earlier wins), written to state[0] in shaders/sae-topk-blocks.wgsl's layout;
// shaders/sae-topk-rows.wgsl's row_count / row_write then compact it.
//
// Radix select on the positive f32 bits (which order like the values), 8 bits
// a pass, most significant first. A pass is two dispatches:
//   * `batch_hist`: each workgroup histograms the next digit of the candidates
//     of its TILE of the flattened batch whose higher digits equal the prefix
//     found so far, in a workgroup-private 256-bin histogram, and stores it
//     whole to partial[tile] — no global atomics, no clearing pass;
//   * `batch_merge` (one workgroup): sums the tiles' histograms bin by bin in
//     tile order and picks the digit holding the remaining-th largest.
// The first digit (the sign and the exponent's high bits) rarely changes from
// one training step to the next, so the first pass also histograms the second
// digit of the keys whose first digit is the previous selection's (state[0]
// still holds it). When the first digit turns out the same, that histogram is
// the second pass's and the first merge picks two digits: the four digits take
// three passes, and the fourth pair of dispatches finds the selection done and
// returns. state[1].value_key counts the digits picked so far (it is the
// state's spare entry; only entry 0 is read outside this file).
// After the last value digit the threshold value is exact (bookkeeping's
// inference-threshold EMA reads it). When not every tie of that value is kept,
// the tie at rank `remaining` in flat order is found without further passes:
// the last pass's partial histograms already hold each tile's tie count (bin d
// of tile t = the tile's elements equal to the threshold), so the merge walks
// the tiles to the one holding it and its workgroup scans that tile. Integer
// sums in a fixed order: the result does not depend on scheduling.
//
// Batches up to a million or so elements take a shortcut first: the threshold
// moves little from one training step to the next, so `batch_window` counts,
// tile by tile, the candidates above the window (7/8, 9/8) × the previous
// threshold (state[0]) and copies those inside it to the tile's part of
// `window`, in one read of the batch. `batch_window_select` (one workgroup)
// then runs the four digit passes over the window's few keys alone, when the
// (rows·k)-th largest lies inside it; else the passes of batch_hist and
// batch_merge over the whole batch as one tile, in its one workgroup
// (select_batch). On an adapter that runs on the CPU (SERIAL) one thread
// makes the window's passes: a CPU runs a workgroup on one core either way,
// and there each barrier costs more than the few keys' counting. Ties of the
// threshold all lie inside the window; their flat order is found by
// break_tie's scan of the batch. state[1].index_key
// records which way the last selection went (1: the window), for tests and
// diagnostics.
//
// Keys are read STEP at a time: four (one vec4 load through pre4) where the
// row length divides by 4 (VEC4; the tile then divides by 4 · WG), else one —
// emulated adapters (SwiftShader) pay per load, not per byte.
//
// Entry points bind different resources at the same binding numbers (allowed:
// no entry point uses two of them); each entry's bindings are listed with it.

// Threads per workgroup (the merge's tile scan is a Hillis–Steele scan over them).
override WG: u32 = 64u;
override VEC4: bool = false;
// batch_window_select: one thread makes the window's passes (a CPU adapter).
override SERIAL: bool = false;
override STEP: u32 = select(1u, 4u, VEC4);
const BINS: u32 = 256u;

struct SelectState {
  value_key: u32,
  index_key: u32,
  remaining: u32,
  done: u32,
}

struct Params {
  // rows · width candidates, in TILE-element tiles.
  elements: u32,
  width: u32,
  tile: u32,
  tiles: u32,
  // Candidates to keep: rows · k.
  k: u32,
  // 1: only latents idle for ≥ min_idle tokens may be kept.
  use_mask: u32,
  min_idle: u32,
  radix_pass: u32,
}

@group(0) @binding(0) var<storage, read> pre: array<f32>;
// pre as vec4s with VEC4; a placeholder otherwise.
@group(0) @binding(1) var<storage, read> pre4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> idle: array<u32>;

// ---- batch_hist: pre [rows, width] f32, idle [width] u32, state [2] → partial [tiles, 2, 256] u32
// (the pass's digit; the first pass's second half: the speculated second digit).
@group(0) @binding(3) var<storage, read> hist_state: array<SelectState>;
@group(0) @binding(4) var<storage, read_write> partial_out: array<u32>;
@group(0) @binding(5) var<uniform> hist_params: Params;

// ---- batch_merge: pre, idle, partial [tiles, 2, 256] → state [2] (pass 0 starts it afresh).
@group(0) @binding(3) var<storage, read_write> merge_state: array<SelectState>;
@group(0) @binding(4) var<storage, read> partial_in: array<u32>;
@group(0) @binding(5) var<uniform> merge_params: Params;

// ---- batch_window: pre, idle, state [1] → window [tiles · 2 + tiles · tile] u32: each tile's
// (candidates above the window, candidates inside it), then each tile's keys inside it.
@group(0) @binding(3) var<storage, read> window_state: array<SelectState>;
@group(0) @binding(4) var<storage, read_write> window_out: array<u32>;
@group(0) @binding(5) var<uniform> window_params: Params;

// ---- batch_window_select: pre, idle, window → state [2].
@group(0) @binding(3) var<storage, read_write> select_state: array<SelectState>;
@group(0) @binding(4) var<storage, read> window_in: array<u32>;
@group(0) @binding(5) var<uniform> window_select_params: Params;

var<workgroup> local_hist: array<atomic<u32>, BINS>;
// The first pass's second histogram: digit 1 of the keys whose digit 0 is `spec`.
var<workgroup> spec_hist: array<atomic<u32>, BINS>;
var<workgroup> bins: array<u32, BINS>;
var<workgroup> scan_buf: array<u32, WG>;
var<workgroup> merged: SelectState;
// batch_hist / batch_merge: the digits picked so far (state[1]), and the merge's speculated first digit.
var<workgroup> picked: u32;
var<workgroup> spec_digit: u32;
// batch_window: the tile's keys inside the window so far, and above it.
var<workgroup> window_fill: atomic<u32>;
var<workgroup> window_above: atomic<u32>;
// batch_window_select: 1 when the threshold lies inside the window.
var<workgroup> window_hit: u32;
// Tie search: 1 when needed, the tile holding the tie, its rank within the tile (1-based), its flat index.
var<workgroup> need_tie: u32;
var<workgroup> tie_tile: u32;
var<workgroup> tie_rank: u32;
var<workgroup> tie_index: u32;

// The candidate keys of flat elements e .. e + STEP − 1 (e a multiple of STEP): the f32
// bits of each positive, eligible value, else 0; components past STEP are 0.
fn keys_of(e: u32, p: Params) -> vec4<u32> {
  let j = e % p.width;
  var v = vec4<f32>(0.0);
  var idle_tokens = vec4<u32>(p.min_idle);
  if (VEC4) {
    v = pre4[e / 4u];
    if (p.use_mask != 0u) {
      idle_tokens = vec4(idle[j], idle[j + 1u], idle[j + 2u], idle[j + 3u]);
    }
  } else {
    v.x = pre[e];
    if (p.use_mask != 0u) {
      idle_tokens.x = idle[j];
    }
  }
  // NaN compares false: never a candidate.
  return select(vec4<u32>(0u), bitcast<vec4<u32>>(v), (v > vec4<f32>(0.0)) & (idle_tokens >= vec4<u32>(p.min_idle)));
}

// Thread lid's contiguous run of the tile starting at `first` (a multiple of STEP long).
fn run_of(first: u32, lid: u32, p: Params) -> vec2<u32> {
  let last = min(first + p.tile, p.elements);
  let per = ((p.tile + WG - 1u) / WG + STEP - 1u) / STEP * STEP;
  let begin = min(first + lid * per, last);
  return vec2(begin, min(begin + per, last));
}

fn prefix_matches(x: u32, key: u32, p: u32) -> bool {
  return p == 0u || (x >> (32u - 8u * p)) == (key >> (32u - 8u * p));
}

fn digit(x: u32, p: u32) -> u32 {
  return (x >> (24u - 8u * p)) & 255u;
}

// Counts key x in the tile's histogram when it is a candidate of this pass;
// in the first pass (spec < BINS), also its second digit when its first is spec.
fn count_key(x: u32, prefix: u32, pass_index: u32, spec: u32) {
  if (x != 0u && prefix_matches(x, prefix, pass_index)) {
    atomicAdd(&local_hist[digit(x, pass_index)], 1u);
    if (digit(x, 0u) == spec) {
      atomicAdd(&spec_hist[digit(x, 1u)], 1u);
    }
  }
}

// Histograms digit pass_index of tile `tile`'s candidates whose higher digits
// equal prefix's, into local_hist (and, with spec < BINS, spec_hist: see count_key).
fn tile_histogram(tile: u32, lid: u32, prefix: u32, pass_index: u32, spec: u32, p: Params) {
  for (var b = lid; b < BINS; b += WG) {
    atomicStore(&local_hist[b], 0u);
    atomicStore(&spec_hist[b], 0u);
  }
  workgroupBarrier();
  // Counts do not depend on the order: threads stride over the tile, neighbours reading neighbouring keys.
  let first = tile * p.tile;
  let last = min(first + p.tile, p.elements);
  for (var e = first + lid * STEP; e < last; e += WG * STEP) {
    let xs = keys_of(e, p);
    // Components by name, not by a loop's index: a dynamic index costs emulated adapters a trip through memory.
    count_key(xs.x, prefix, pass_index, spec);
    if (VEC4) {
      count_key(xs.y, prefix, pass_index, spec);
      count_key(xs.z, prefix, pass_index, spec);
      count_key(xs.w, prefix, pass_index, spec);
    }
  }
  workgroupBarrier();
}

// Thread 0, with the batch's histogram of digit pass_index in `bins`: the
// state after the pass (from s, the state before it), and need_tie = 1 when
// the last pass leaves ties to break (the caller then sets tie_tile, tie_rank).
fn pick_digit(s_in: SelectState, pass_index: u32) -> SelectState {
  var s = s_in;
  need_tie = 0u;
  if (s.done != 0u) {
    return s;
  }
  // The digit d holding the remaining-th largest: acc candidates lie in higher digits.
  var acc = 0u;
  var d = BINS;
  for (var i = i32(BINS) - 1; i >= 0; i--) {
    let h = bins[u32(i)];
    if (acc + h >= s.remaining) {
      d = u32(i);
      break;
    }
    acc += h;
  }
  if (d == BINS) {
    // Fewer candidates than k (only possible in pass 0): keep them all.
    return SelectState(0u, 0u, 0u, 1u);
  }
  s.remaining -= acc;
  s.value_key |= d << (24u - 8u * pass_index);
  if (pass_index == 3u) {
    s.done = 1u;
    need_tie = select(0u, 1u, bins[d] > s.remaining);
  }
  return s;
}

// All threads: when need_tie, the flat index of the tie_rank-th element of tile
// tie_tile equal to merged.value_key, into merged.index_key.
fn break_tie(lid: u32, p: Params) {
  if (workgroupUniformLoad(&need_tie) == 0u) {
    return;
  }
  // Scan the tile: thread lid takes a contiguous run, so thread order is flat order.
  let value_key = merged.value_key;
  let run = run_of(tie_tile * p.tile, lid, p);
  var n = 0u;
  for (var e = run.x; e < run.y; e += STEP) {
    let xs = keys_of(e, p);
    n += dot(select(vec4<u32>(0u), vec4<u32>(1u), xs == vec4<u32>(value_key)), vec4<u32>(1u));
  }
  // Components past STEP are 0, never value_key (a candidate's key is positive).
  scan_buf[lid] = n;
  workgroupBarrier();
  for (var offset = 1u; offset < WG; offset <<= 1u) {
    let x = select(0u, scan_buf[lid - offset], lid >= offset);
    workgroupBarrier();
    scan_buf[lid] += x;
    workgroupBarrier();
  }
  var seen = scan_buf[lid] - n;
  let rank = tie_rank;
  if (rank > seen && rank <= seen + n) {
    for (var e = run.x; e < run.y && seen < rank; e += STEP) {
      let xs = keys_of(e, p);
      for (var c = 0u; c < STEP; c++) {
        seen += select(0u, 1u, xs[c] == value_key);
        if (seen == rank) {
          tie_index = e + c;
          break;
        }
      }
    }
  }
  workgroupBarrier();
  if (lid == 0u) {
    merged.index_key = ~tie_index;
  }
}

// Workgroups: tiles.
@compute @workgroup_size(WG)
fn batch_hist(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = hist_params;
  let first = p.radix_pass == 0u;
  if (lid == 0u) {
    merged = hist_state[0];
    picked = hist_state[1].value_key;
  }
  let state = workgroupUniformLoad(&merged);
  // The first pass needs no prefix (state[0] still holds the previous selection, whose first digit it speculates on).
  var prefix = 0u;
  var pass_index = 0u;
  var spec = digit(state.value_key, 0u);
  if (!first) {
    if (state.done != 0u) {
      return;
    }
    prefix = state.value_key;
    pass_index = workgroupUniformLoad(&picked);
    spec = BINS;
  }
  tile_histogram(wid.x, lid, prefix, pass_index, spec, p);
  let at = wid.x * 2u * BINS;
  for (var b = lid; b < BINS; b += WG) {
    partial_out[at + b] = atomicLoad(&local_hist[b]);
    if (first) {
      partial_out[at + BINS + b] = atomicLoad(&spec_hist[b]);
    }
  }
}

// Bins of half h (0: the pass's digit; 1: the first pass's speculated second digit) summed over the tiles, into `bins`.
fn merge_bins(h: u32, lid: u32, tiles: u32) {
  for (var b = lid; b < BINS; b += WG) {
    var sum = 0u;
    for (var t = 0u; t < tiles; t++) {
      sum += partial_in[(2u * t + h) * BINS + b];
    }
    bins[b] = sum;
  }
  workgroupBarrier();
}

// Workgroups: 1.
@compute @workgroup_size(WG)
fn batch_merge(@builtin(local_invocation_index) lid: u32) {
  let p = merge_params;
  let first = p.radix_pass == 0u;
  // Before the first pick, state[0] is still the previous selection: its first digit is the speculation.
  if (lid == 0u) {
    spec_digit = digit(merge_state[0].value_key, 0u);
    merged = SelectState(0u, 0u, p.k, 0u);
    picked = 0u;
    if (!first) {
      merged = merge_state[0];
      picked = merge_state[1].value_key;
    }
  }
  if (workgroupUniformLoad(&merged).done != 0u) {
    return;
  }
  merge_bins(0u, lid, p.tiles);
  if (lid == 0u) {
    merged = pick_digit(merged, picked);
    picked++;
  }
  // The speculated second digit: its histogram is the second pass's when the first digit is spec.
  let after = workgroupUniformLoad(&merged);
  if (first && after.done == 0u && digit(after.value_key, 0u) == workgroupUniformLoad(&spec_digit)) {
    merge_bins(1u, lid, p.tiles);
    if (lid == 0u) {
      merged = pick_digit(merged, 1u);
      picked = 2u;
    }
  }
  if (lid == 0u) {
    if (need_tie != 0u) {
      // Walk the tiles in flat order to the one holding the remaining-th tie (this pass's digit histograms hold the tiles' ties).
      let d = merged.value_key & 255u;
      var rank = merged.remaining;
      var t = 0u;
      for (; t < p.tiles; t++) {
        let c = partial_in[2u * t * BINS + d];
        if (rank <= c) {
          break;
        }
        rank -= c;
      }
      tie_tile = t;
      tie_rank = rank;
    }
  }
  break_tie(lid, p);
  if (lid == 0u) {
    merge_state[0] = merged;
    merge_state[1] = SelectState(picked, 0u, 0u, 0u);
  }
}

// The passes of batch_hist and batch_merge in one workgroup over the whole
// batch as one tile (p.tile ≥ p.elements), with the same speculation on the
// previous selection's first digit; the result goes to select_state.
fn select_batch(lid: u32, p: Params) {
  if (lid == 0u) {
    spec_digit = digit(select_state[0].value_key, 0u);
    merged = SelectState(0u, 0u, p.k, 0u);
    picked = 0u;
  }
  let spec = workgroupUniformLoad(&spec_digit);
  for (var round = 0u; round < 4u; round++) {
    let state = workgroupUniformLoad(&merged);
    let pass_index = workgroupUniformLoad(&picked);
    if (state.done != 0u) {
      break;
    }
    tile_histogram(0u, lid, state.value_key, pass_index, select(BINS, spec, pass_index == 0u), p);
    for (var b = lid; b < BINS; b += WG) {
      bins[b] = atomicLoad(&local_hist[b]);
    }
    workgroupBarrier();
    if (lid == 0u) {
      merged = pick_digit(merged, pass_index);
      picked = pass_index + 1u;
    }
    let after = workgroupUniformLoad(&merged);
    if (pass_index == 0u && after.done == 0u && digit(after.value_key, 0u) == spec) {
      for (var b = lid; b < BINS; b += WG) {
        bins[b] = atomicLoad(&spec_hist[b]);
      }
      workgroupBarrier();
      if (lid == 0u) {
        merged = pick_digit(merged, 1u);
        picked = 2u;
      }
    }
  }
  settle(lid, p, 0u);
}

// All threads, once `merged` holds the threshold's value: its tie in the flat
// order of the whole batch (p's one tile), then select_state[0], and in
// state[1].index_key which way it was found (`window`: 1 from the window's keys).
fn settle(lid: u32, p: Params, window: u32) {
  if (lid == 0u) {
    tie_tile = 0u;
    tie_rank = merged.remaining;
  }
  break_tie(lid, p);
  if (lid == 0u) {
    select_state[0] = merged;
    select_state[1] = SelectState(0u, window, 0u, 0u);
  }
}

// The window around the previous threshold t, as keys: [t · 7/8, t · 9/8].
// Before any selection (t = 0) it is empty, and every candidate lies above it.
fn window_of(previous: SelectState) -> vec2<u32> {
  let t = bitcast<f32>(previous.value_key);
  return vec2<u32>(bitcast<u32>(t * 0.875), bitcast<u32>(t * 1.125));
}

// Workgroups: tiles.
@compute @workgroup_size(WG)
fn batch_window(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = window_params;
  let bounds = vec4<u32>(window_of(window_state[0]), 0u, 0u);
  if (lid == 0u) {
    atomicStore(&window_fill, 0u);
    atomicStore(&window_above, 0u);
  }
  workgroupBarrier();
  let first = wid.x * p.tile;
  let last = min(first + p.tile, p.elements);
  let keys = p.tiles * 2u + first;
  var above = 0u;
  for (var e = first + lid * STEP; e < last; e += WG * STEP) {
    let xs = keys_of(e, p);
    let high = xs > bounds.yyyy;
    above += dot(select(vec4<u32>(0u), vec4<u32>(1u), high), vec4<u32>(1u));
    // Non-candidates are 0, never inside (the lower bound of an empty window is 0 too, hence the test).
    let inside = (xs >= bounds.xxxx) & !high & (xs != vec4<u32>(0u));
    if (any(inside)) {
      // Components by name (see tile_histogram).
      if (inside.x) {
        window_out[keys + atomicAdd(&window_fill, 1u)] = xs.x;
      }
      if (inside.y) {
        window_out[keys + atomicAdd(&window_fill, 1u)] = xs.y;
      }
      if (inside.z) {
        window_out[keys + atomicAdd(&window_fill, 1u)] = xs.z;
      }
      if (inside.w) {
        window_out[keys + atomicAdd(&window_fill, 1u)] = xs.w;
      }
    }
  }
  atomicAdd(&window_above, above);
  workgroupBarrier();
  if (lid == 0u) {
    window_out[2u * wid.x] = atomicLoad(&window_above);
    window_out[2u * wid.x + 1u] = atomicLoad(&window_fill);
  }
}

// Histograms digit pass_index of the window's keys whose higher digits equal prefix's, into local_hist.
fn window_histogram(lid: u32, prefix: u32, pass_index: u32, p: Params) {
  for (var b = lid; b < BINS; b += WG) {
    atomicStore(&local_hist[b], 0u);
  }
  workgroupBarrier();
  for (var t = 0u; t < p.tiles; t++) {
    let keys = p.tiles * 2u + t * p.tile;
    let n = window_in[2u * t + 1u];
    for (var i = lid; i < n; i += WG) {
      count_key(window_in[keys + i], prefix, pass_index, BINS);
    }
  }
  workgroupBarrier();
}

// window_histogram by one thread, into `bins`.
fn serial_window_histogram(prefix: u32, pass_index: u32, p: Params) {
  for (var b = 0u; b < BINS; b++) {
    bins[b] = 0u;
  }
  for (var t = 0u; t < p.tiles; t++) {
    let keys = p.tiles * 2u + t * p.tile;
    let n = window_in[2u * t + 1u];
    for (var i = 0u; i < n; i++) {
      let x = window_in[keys + i];
      if (x != 0u && prefix_matches(x, prefix, pass_index)) {
        bins[digit(x, pass_index)] += 1u;
      }
    }
  }
}

// Workgroups: 1. The threshold from the window's keys when it lies inside the window, else from the whole batch.
@compute @workgroup_size(WG)
fn batch_window_select(@builtin(local_invocation_index) lid: u32) {
  let p = window_select_params;
  if (lid == 0u) {
    var above = 0u;
    var inside = 0u;
    for (var t = 0u; t < p.tiles; t++) {
      above += window_in[2u * t];
      inside += window_in[2u * t + 1u];
    }
    window_hit = select(0u, 1u, above < p.k && p.k <= above + inside);
    merged = SelectState(0u, 0u, p.k - min(above, p.k), 0u);
  }
  // The whole batch as one tile (a multiple of STEP · WG, as the tiles are).
  var whole = p;
  whole.tile = (p.elements + 4u * WG - 1u) / (4u * WG) * (4u * WG);
  whole.tiles = 1u;
  if (workgroupUniformLoad(&window_hit) == 0u) {
    select_batch(lid, whole);
    return;
  }
  if (SERIAL) {
    if (lid == 0u) {
      for (var pass_index = 0u; pass_index < 4u; pass_index++) {
        serial_window_histogram(merged.value_key, pass_index, p);
        merged = pick_digit(merged, pass_index);
      }
    }
  } else {
    for (var pass_index = 0u; pass_index < 4u; pass_index++) {
      window_histogram(lid, workgroupUniformLoad(&merged).value_key, pass_index, p);
      if (lid == 0u) {
        for (var b = 0u; b < BINS; b++) {
          bins[b] = atomicLoad(&local_hist[b]);
        }
        merged = pick_digit(merged, pass_index);
      }
    }
  }
  // Every tie of the threshold lies inside the window, but in no order there: find it in the batch's.
  settle(lid, whole, 1u);
}
