// Selection of active SAE latents when the pre-activations of a row sit in one
// buffer (a single latent block, src/sae/latent-blocks.ts): every kernel here
// is one dispatch, and each row is handled by LANES threads of a workgroup
// (LANES = 1 on small rows: no barrier, no workgroup memory; more lanes on
// long rows, whose counts are summed through workgroup memory). Same
// selection rule, state layout and tie-breaking as shaders/sae-topk-blocks.wgsl:
// only positive, eligible values are candidates; ties keep the earlier latent
// (per row) or the earlier row·width + latent (batch mode); the result is the
// predicate  key > value_key || (key == value_key && ~index >= index_key).
//
// `row_select` (TopK and AuxK, one segment per row) finds the k-th largest key
// of its row without histograms: a digit search from the top, four bits a
// step (8 passes over the row, 15 vector-compared candidates each), keeps the
// largest prefix t with at least k keys ≥ t — after the last step t is exactly
// the k-th largest key (the positive f32 bits, which order like the values). A last pass counts the keys
// above t and equal to t; when not every tie is kept, the lanes' tie counts
// are prefix-summed in latent order and the lane holding the remaining-th tie
// finds its index. The cost is ~10 reads of the row, independent of the data,
// and the row's kept count comes out with it (no separate count pass).
// `row_select_list` gives the same result in one read of the row where one
// thread holds a row and k is small (the lab's SAEs); see its comment.
//
// `row_count` and `row_write` compact any settled selection (BatchTopK's and
// the threshold modes' state[0], or row_select's per-row state): row_count
// counts a row's kept latents, exclusive-scan-u32 turns the counts into CSR row
// starts, and row_write writes each row's entries in latent order (lanes in
// latent order, each lane's offset from the prefix of its row's lane counts).
// All sums are integer, so results do not depend on scheduling.
//
// Keys are read STEP at a time: four (one vec4 load through pre4) where the
// row length divides by 4 (VEC4), else one. Emulated adapters (SwiftShader)
// pay per load, not per byte: a vec4 read of a row costs about a quarter of
// a scalar one.
//
// Entry points bind different resources at the same binding numbers (allowed:
// no entry point uses two of them); each entry's bindings are listed with it.

// Threads per workgroup, and threads per row (a power of two dividing WG).
override WG: u32 = 64u;
override LANES: u32 = 1u;
override ROWS_PER_WG: u32 = WG / LANES;
override VEC4: bool = false;
override STEP: u32 = select(1u, 4u, VEC4);

struct SelectState {
  value_key: u32,
  index_key: u32,
  remaining: u32,
  done: u32,
}

struct Params {
  rows: u32,
  // Latents per row (the whole layout: one block).
  width: u32,
  // Latents to keep per row (row_select only).
  k: u32,
  // 1: every row follows state[0] and ties compare the flat index row·width + latent
  // (BatchTopK, threshold); 0: row r follows state[r] and ties compare the latent.
  batch_mode: u32,
  // 1: only latents idle for ≥ min_idle tokens may be kept (AuxK's dead latents).
  use_mask: u32,
  min_idle: u32,
  // Entries out_* can hold (row_write drops the tail beyond it).
  capacity: u32,
}

@group(0) @binding(0) var<storage, read> pre: array<f32>;
// pre as vec4s with VEC4; a placeholder otherwise.
@group(0) @binding(1) var<storage, read> pre4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> idle: array<u32>;

// ---- row_select, row_select_list: pre [rows, width] f32, idle [width] u32 → state [rows], row_count [rows].
@group(0) @binding(3) var<storage, read_write> select_state: array<SelectState>;
@group(0) @binding(4) var<storage, read_write> select_count: array<u32>;
@group(0) @binding(5) var<uniform> select_params: Params;

// ---- row_count: pre, idle, state [segments] → row_count [rows].
@group(0) @binding(3) var<storage, read> count_state: array<SelectState>;
@group(0) @binding(4) var<storage, read_write> count_out: array<u32>;
@group(0) @binding(5) var<uniform> count_params: Params;

// ---- row_write: pre, idle, state, row_start [rows + 1] → out_latent, out_value, out_row [capacity].
@group(0) @binding(3) var<storage, read> write_state: array<SelectState>;
@group(0) @binding(4) var<storage, read> row_start: array<u32>;
@group(0) @binding(5) var<storage, read_write> out_latent: array<u32>;
@group(0) @binding(6) var<storage, read_write> out_value: array<f32>;
@group(0) @binding(7) var<storage, read_write> out_row: array<u32>;
@group(0) @binding(8) var<uniform> write_params: Params;

// Per-thread partial sums, read back by the lanes of the same row.
var<workgroup> lane_part: array<vec4<u32>, WG>;
// Per row of the workgroup: the tie-breaking index key found by one of its lanes.
var<workgroup> row_tie_key: array<u32, ROWS_PER_WG>;

// The candidate keys of (row, j .. j + STEP − 1) (j a multiple of STEP): the f32
// bits of each positive, eligible value, else 0; components past STEP are 0.
fn keys_of(row: u32, j: u32, p: Params) -> vec4<u32> {
  let i = row * p.width + j;
  var v = vec4<f32>(0.0);
  var idle_tokens = vec4<u32>(p.min_idle);
  if (VEC4) {
    v = pre4[i / 4u];
    if (p.use_mask != 0u) {
      idle_tokens = vec4(idle[j], idle[j + 1u], idle[j + 2u], idle[j + 3u]);
    }
  } else {
    v.x = pre[i];
    if (p.use_mask != 0u) {
      idle_tokens.x = idle[j];
    }
  }
  // NaN compares false: never a candidate.
  return select(vec4<u32>(0u), bitcast<vec4<u32>>(v), (v > vec4<f32>(0.0)) & (idle_tokens >= vec4<u32>(p.min_idle)));
}

// Larger for earlier elements, so that ties keep the earliest.
fn index_key(row: u32, j: u32, p: Params) -> u32 {
  return ~select(j, row * p.width + j, p.batch_mode != 0u);
}

// Which of the keys xs of (row, j .. j + 3) are kept (components past STEP are 0: never).
// Four at once: a loop's dynamic index into xs costs emulated adapters a trip through memory,
// so callers test the vector and walk its components only where one is kept.
fn kept(xs: vec4<u32>, row: u32, j: u32, s: SelectState, p: Params) -> vec4<bool> {
  let index_keys = vec4(index_key(row, j, p), index_key(row, j + 1u, p), index_key(row, j + 2u, p), index_key(row, j + 3u, p));
  let value_key = vec4(s.value_key);
  return (xs != vec4(0u)) & ((xs > value_key) | ((xs == value_key) & (index_keys >= vec4(s.index_key))));
}

// The number of true components.
fn count_of(b: vec4<bool>) -> u32 {
  return dot(select(vec4<u32>(0u), vec4<u32>(1u), b), vec4<u32>(1u));
}

// One thread's place: its row, whether that row exists, and its contiguous run
// [begin, end) of the row (lanes in latent order, as the tie search and the
// write need). Threads of a missing row get an empty run but still reach every
// barrier.
struct Place {
  row: u32,
  lane: u32,
  begin: u32,
  end: u32,
  valid: bool,
}

fn place(wid: u32, lid: u32, p: Params) -> Place {
  let row = wid * ROWS_PER_WG + lid / LANES;
  let lane = lid % LANES;
  // A multiple of STEP: runs start on key groups.
  let per = ((p.width + LANES - 1u) / LANES + STEP - 1u) / STEP * STEP;
  let begin = min(lane * per, p.width);
  let valid = row < p.rows;
  return Place(row, lane, begin, select(begin, min(begin + per, p.width), valid), valid);
}

// The sums of v over the lanes of this thread's row (every lane gets them).
// LANES is a pipeline constant, so the early return is uniform.
fn row_sum(lid: u32, v: vec4<u32>) -> vec4<u32> {
  if (LANES == 1u) {
    return v;
  }
  lane_part[lid] = v;
  workgroupBarrier();
  let base = lid - lid % LANES;
  var s = vec4<u32>(0u);
  for (var i = 0u; i < LANES; i++) {
    s += lane_part[base + i];
  }
  workgroupBarrier();
  return s;
}

// (Σ of v over the earlier lanes of this row, Σ over all its lanes).
fn lane_prefix(lid: u32, v: u32) -> vec2<u32> {
  if (LANES == 1u) {
    return vec2<u32>(0u, v);
  }
  lane_part[lid] = vec4<u32>(v, 0u, 0u, 0u);
  workgroupBarrier();
  let lane = lid % LANES;
  let base = lid - lane;
  var before = 0u;
  var total = 0u;
  for (var i = 0u; i < LANES; i++) {
    let x = lane_part[base + i].x;
    total += x;
    before += select(0u, x, i < lane);
  }
  workgroupBarrier();
  return vec2<u32>(before, total);
}

// Workgroups: ceil(rows / ROWS_PER_WG).
@compute @workgroup_size(WG)
fn row_select(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = select_params;
  let at = place(wid.x, lid, p);
  let k = p.k;

  // Digit search, four bits a step from the top: count the keys at or above
  // each of the 15 candidates t | d << shift (d = 1..15) in one pass; counts
  // fall as d grows, so the digit is the number of candidates with ≥ k keys.
  var t = 0u;
  var positives = 0u;
  let one = vec4<u32>(1u);
  let zero = vec4<u32>(0u);
  let kv = vec4<u32>(k);
  for (var step = 0u; step < 8u; step++) {
    let shift = 28u - 4u * step;
    let c0 = vec4<u32>(t) | (vec4<u32>(1u, 2u, 3u, 4u) << vec4<u32>(shift));
    let c1 = vec4<u32>(t) | (vec4<u32>(5u, 6u, 7u, 8u) << vec4<u32>(shift));
    let c2 = vec4<u32>(t) | (vec4<u32>(9u, 10u, 11u, 12u) << vec4<u32>(shift));
    // Lane w counts the positive keys instead (candidate 1).
    let c3 = vec4<u32>(vec3<u32>(t) | (vec3<u32>(13u, 14u, 15u) << vec3<u32>(shift)), 1u);
    var n0 = zero;
    var n1 = zero;
    var n2 = zero;
    var n3 = zero;
    for (var j = at.begin; j < at.end; j += STEP) {
      let xs = keys_of(at.row, j, p);
      for (var c = 0u; c < STEP; c++) {
        let x = vec4<u32>(xs[c]);
        n0 += select(zero, one, x >= c0);
        n1 += select(zero, one, x >= c1);
        n2 += select(zero, one, x >= c2);
        n3 += select(zero, one, x >= c3);
      }
    }
    n0 = row_sum(lid, n0);
    n1 = row_sum(lid, n1);
    n2 = row_sum(lid, n2);
    n3 = row_sum(lid, n3);
    positives = n3.w;
    let hits = select(zero, one, n0 >= kv) + select(zero, one, n1 >= kv) + select(zero, one, n2 >= kv) + select(zero, one, vec4<u32>(n3.xyz, 0u) >= kv);
    t |= (hits.x + hits.y + hits.z + hits.w) << shift;
  }

  // Keys above the threshold are all kept; `remaining` of the ties are.
  var above = 0u;
  var ties = 0u;
  for (var j = at.begin; j < at.end; j += STEP) {
    let xs = keys_of(at.row, j, p);
    for (var c = 0u; c < STEP; c++) {
      above += select(0u, 1u, xs[c] > t);
      ties += select(0u, 1u, xs[c] == t);
    }
  }
  let sums = row_sum(lid, vec4<u32>(above, ties, 0u, 0u));
  let remaining = k - min(sums.x, k);
  let all_ties = sums.y <= remaining;

  // The remaining-th tie in latent order: the lanes' tie counts in lane order place it.
  let local_rank = lid / LANES;
  let tie_prefix = lane_prefix(lid, ties);
  if (at.lane == 0u) {
    row_tie_key[local_rank] = 0u;
  }
  if (LANES > 1u) {
    workgroupBarrier();
  }
  if (at.valid && positives >= k && !all_ties && remaining > tie_prefix.x && remaining <= tie_prefix.x + ties) {
    var seen = tie_prefix.x;
    for (var j = at.begin; j < at.end && seen < remaining; j += STEP) {
      let xs = keys_of(at.row, j, p);
      for (var c = 0u; c < STEP; c++) {
        seen += select(0u, 1u, xs[c] == t);
        if (seen == remaining) {
          row_tie_key[local_rank] = index_key(at.row, j + c, p);
          break;
        }
      }
    }
  }
  if (LANES > 1u) {
    workgroupBarrier();
  }
  if (at.valid && at.lane == 0u) {
    if (positives < k) {
      // Fewer candidates than k: keep every one (value_key 0 admits every positive key).
      select_state[at.row] = SelectState(0u, 0u, 0u, 1u);
      select_count[at.row] = positives;
    } else {
      select_state[at.row] = SelectState(t, row_tie_key[local_rank], remaining, 1u);
      select_count[at.row] = k;
    }
  }
}

// The most latents row_select_list keeps in a thread's list.
const MAX_LIST: u32 = 64u;

// `row_select_list` (LANES = 1 and k ≤ MAX_LIST): row_select in one read of the
// row. The thread keeps its row's k best keys so far, sorted by key and then
// latent; a key enters only if it beats the list's last (an equal key does not:
// ties keep the earlier latent), so on random rows only ~k·ln(width / k) keys
// are ever inserted. The last entry is the k-th key t and the remaining-th tie;
// a tie was left out exactly when the largest key dropped or refused equals t.
// Writes the same state and count as row_select. Workgroups: ceil(rows / WG).
@compute @workgroup_size(WG)
fn row_select_list(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = select_params;
  let row = gid.x;
  if (row >= p.rows) {
    return;
  }
  let k = p.k;
  var keys: array<u32, MAX_LIST>;
  var latents: array<u32, MAX_LIST>;
  var n = 0u;
  // The list's last key once it holds k (0 before: any positive key enters).
  var last = 0u;
  var dropped = 0u;
  for (var j0 = 0u; j0 < p.width; j0 += STEP) {
    let xs = keys_of(row, j0, p);
    // Most reads enter nothing: test them by name first (a loop's dynamic index into xs costs
    // emulated adapters a trip through memory), and walk the components only when one may enter.
    let more = select(vec4<u32>(xs.x, 0u, 0u, 0u), xs, STEP == 4u);
    if (all(more <= vec4(last))) {
      dropped = max(dropped, max(max(more.x, more.y), max(more.z, more.w)));
      continue;
    }
    for (var c = 0u; c < STEP; c++) {
      let x = xs[c];
      if (x <= last) {
        dropped = max(dropped, x);
        continue;
      }
      var i = n;
      if (n == k) {
        i = k - 1u;
        dropped = max(dropped, keys[i]);
      } else {
        n++;
      }
      while (i > 0u && keys[i - 1u] < x) {
        keys[i] = keys[i - 1u];
        latents[i] = latents[i - 1u];
        i--;
      }
      keys[i] = x;
      latents[i] = j0 + c;
      if (n == k) {
        last = keys[k - 1u];
      }
    }
  }
  if (n < k) {
    // Fewer candidates than k: keep every one (value_key 0 admits every positive key).
    select_state[row] = SelectState(0u, 0u, 0u, 1u);
    select_count[row] = n;
    return;
  }
  var above = 0u;
  for (var i = 0u; i < k; i++) {
    above += select(0u, 1u, keys[i] > last);
  }
  // Every tie kept: index key 0 admits them all, as row_select writes it.
  let tie_key = select(0u, index_key(row, latents[k - 1u], p), dropped == last);
  select_state[row] = SelectState(last, tie_key, k - above, 1u);
  select_count[row] = k;
}

// Workgroups: ceil(rows / ROWS_PER_WG).
@compute @workgroup_size(WG)
fn row_count(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = count_params;
  let at = place(wid.x, lid, p);
  let s = count_state[select(min(at.row, p.rows - 1u), 0u, p.batch_mode != 0u)];
  var n = 0u;
  for (var j = at.begin; j < at.end; j += STEP) {
    n += count_of(kept(keys_of(at.row, j, p), at.row, j, s, p));
  }
  let total = row_sum(lid, vec4<u32>(n, 0u, 0u, 0u)).x;
  if (at.valid && at.lane == 0u) {
    count_out[at.row] = total;
  }
}

// Workgroups: ceil(rows / ROWS_PER_WG).
@compute @workgroup_size(WG)
fn row_write(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let p = write_params;
  let at = place(wid.x, lid, p);
  let s = write_state[select(min(at.row, p.rows - 1u), 0u, p.batch_mode != 0u)];
  // The earlier lanes' kept counts (one lane: none, and no counting pass).
  var n = 0u;
  if (LANES > 1u) {
    for (var j = at.begin; j < at.end; j += STEP) {
      n += count_of(kept(keys_of(at.row, j, p), at.row, j, s, p));
    }
  }
  let before = lane_prefix(lid, n).x;
  if (!at.valid) {
    return;
  }
  var pos = row_start[at.row] + before;
  for (var j = at.begin; j < at.end; j += STEP) {
    let xs = keys_of(at.row, j, p);
    let keep = kept(xs, at.row, j, s, p);
    if (!any(keep)) {
      continue;
    }
    for (var c = 0u; c < STEP; c++) {
      if (keep[c]) {
        if (pos < p.capacity) {
          out_latent[pos] = j + c;
          out_value[pos] = bitcast<f32>(xs[c]);
          out_row[pos] = at.row;
        }
        pos++;
      }
    }
  }
}
