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
// Column statistics for the loss (train/loss.ts), with the last block (or, by
// `column_stats`, from the rows `rows` decoded): each
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
//
// `rows`, the training decoder for adapters that run on a CPU: one thread per
// row walks the row's d_in and writes out_r as above (W_dec in one block) and
// the dot of each active decoder row with it,
//   dots[p] = W_dec[latent[p], :] · out_{row p}
// which the seed scale turns into ∂L/∂f (sae-csc.wgsl's fill). A CPU pays for
// every load and has no coalescing, so the decoder row loads serve both sums:
// a row of at most SHORT (1 to 4) or 8 entries is one sweep over d_in (x, the
// decoder rows, the store), its dots taken on the way; a longer row sweeps its
// entries eight at a time twice, to build out_r and then to dot with it.
// SHORT is the most entries TopK keeps (k), or 4: a narrower sweep loads no
// padding. A CPU runs a few neighbouring threads in lockstep, so where rows
// differ in length (BatchTopK's), a workgroup first sorts its rows into the
// three kinds of sweep (`by_length`), and neighbouring threads take rows of one kind. On a GPU,
// neighbouring threads here would read addresses a row apart: `main`'s layout
// (threads along the row) is the one for it. `column_stats` then makes the
// loss's column sums from the rows `rows` wrote.

override WG: u32 = 64u;
// `rows`: the most entries of the short sweep (1 to 4).
override SHORT: u32 = 4u;
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
  // `rows`: threads per grid row (row = gid.y · row_threads + gid.x), and
  // 1 to sort each workgroup's rows by their kind of sweep first (rows of
  // different lengths), 0 not to (every row's length within 4 or 8).
  row_threads: u32,
  by_length: u32,
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

// A chunk's column sums for the loss: slots 0-3 (the error's) are s1, s2, e2, e1; slot 4 (AuxK's) is e2.
struct ColumnSums {
  s1: Lane,
  s2: Lane,
  e2: Lane,
  e1: Lane,
}

// Row r's terms: c = x_r − bias (z − b_dec for the error) and the output e.
fn add_row(sums: ColumnSums, c: Lane, e: Lane) -> ColumnSums {
  return ColumnSums(sums.s1 + c, sums.s2 + c * c, sums.e2 + e * e, sums.e1 + e);
}

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
  var sums = ColumnSums();
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
    sums = add_row(sums, xr - b, acc);
  }
  let at = chunk * STAT_SLOTS * n + d;
  if (params.stats == 1u) {
    stats[at] = sums.s1;
    stats[at + n] = sums.s2;
    stats[at + 2u * n] = sums.e2;
    stats[at + 3u * n] = sums.e1;
  } else if (params.stats == 2u) {
    stats[at + 4u * n] = sums.e2;
  }
}

// ---- column_stats: the same column sums of rows another kernel decoded
// (`rows`): bias, x [rows, d_in] (read for stats 1 only), the
// decoded rows → cs_stats. Grid as main's.
@group(0) @binding(0) var<storage, read> cs_bias: array<Lane>;
@group(0) @binding(1) var<storage, read> cs_x: array<Lane>;
@group(0) @binding(2) var<storage, read> cs_rows: array<Lane>;
@group(0) @binding(3) var<storage, read_write> cs_stats: array<Lane>;
@group(0) @binding(4) var<uniform> cs_params: Params;

@compute @workgroup_size(WG)
fn column_stats(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = cs_params.d_in / LANES;
  let d = gid.x;
  let chunk = gid.y;
  let r0 = chunk * cs_params.rows_per_thread;
  if (d >= n || r0 >= cs_params.rows) {
    return;
  }
  let error = cs_params.stats == 1u;
  let b = select(Lane(0.0), cs_bias[d], error);
  var sums = ColumnSums();
  for (var r = r0; r < min(r0 + cs_params.rows_per_thread, cs_params.rows); r++) {
    let o = r * n + d;
    var xr = Lane(0.0);
    if (error) {
      xr = cs_x[o];
    }
    sums = add_row(sums, xr - b, cs_rows[o]);
  }
  let at = chunk * STAT_SLOTS * n + d;
  if (error) {
    cs_stats[at] = sums.s1;
    cs_stats[at + n] = sums.s2;
    cs_stats[at + 2u * n] = sums.e2;
    cs_stats[at + 3u * n] = sums.e1;
  } else {
    cs_stats[at + 4u * n] = sums.e2;
  }
}

// ---- rows: the bindings above, with dots [capacity] in stats' place.
@group(0) @binding(7) var<storage, read_write> dots: array<f32>;

// Entries p .. p + 3 of a row ending at `end`: their decoder rows' offsets, and
// their values (0 past the end, whose offset repeats the last entry's).
struct Four {
  w: vec4<u32>,
  v: vec4<f32>,
}

fn four(p: u32, end: u32, n: u32) -> Four {
  let q = min(vec4(p) + vec4(0u, 1u, 2u, 3u), vec4(end - 1u));
  let inside = vec4(p) + vec4(0u, 1u, 2u, 3u) < vec4(end);
  let w = vec4(latent[q.x], latent[q.y], latent[q.z], latent[q.w]) * n;
  let v = select(vec4(0.0), vec4(value[q.x], value[q.y], value[q.z], value[q.w]), inside);
  return Four(w, v);
}

// The row's start for Lane d: bias + row_sign · x.
fn start_of(o: u32, d: u32) -> Lane {
  return select(Lane(0.0), bias[d], params.use_bias != 0u) + params.row_sign * x[o + d];
}

// Each Lane product summed to a scalar (a scalar Lane is splat to 4 copies, hence the 1/4, exact).
fn total(a: Lane) -> f32 {
  return dot(vec4<f32>(a), vec4<f32>(f32(LANES) / 4.0));
}

// The dots of entries p .. p + 3 that are before `end`.
fn put_dots(p: u32, end: u32, a0: Lane, a1: Lane, a2: Lane, a3: Lane) {
  if (p < end) { dots[p] = total(a0); }
  if (p + 1u < end) { dots[p + 1u] = total(a1); }
  if (p + 2u < end) { dots[p + 2u] = total(a2); }
  if (p + 3u < end) { dots[p + 3u] = total(a3); }
}

// Row r's entries [begin, end), capacity-clipped.
fn entries_of(r: u32) -> vec2<u32> {
  let end = min(row_start[r + 1u], params.capacity);
  return vec2(min(row_start[r], end), end);
}

// by_length: the workgroup's rows, one-sweep rows of at most SHORT entries first, then of at most 8, then longer ones.
var<workgroup> sorted_rows: array<u32, WG>;
var<workgroup> kind_count: array<atomic<u32>, 3>;

@compute @workgroup_size(WG)
fn rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let first_row = wid.y * params.row_threads + wid.x * WG;
  var r = first_row + lid;
  if (params.by_length != 0u) {
    // A counting sort by kind (workgroup memory starts at zero); the order within a kind does not matter.
    var kind = 3u;
    var slot = 0u;
    if (r < params.rows) {
      let range = entries_of(r);
      kind = select(select(2u, 1u, range.y - range.x <= 8u), 0u, range.y - range.x <= SHORT);
      slot = atomicAdd(&kind_count[kind], 1u);
    }
    workgroupBarrier();
    if (kind < 3u) {
      let shorter = select(0u, atomicLoad(&kind_count[0]), kind > 0u) + select(0u, atomicLoad(&kind_count[1]), kind > 1u);
      sorted_rows[shorter + slot] = r;
    }
    workgroupBarrier();
    r = select(params.rows, sorted_rows[lid], first_row + lid < params.rows);
  }
  if (r >= params.rows) {
    return;
  }
  let n = params.d_in / LANES;
  let o = r * n;
  let range = entries_of(r);
  let begin = range.x;
  let end = range.y;
  if (begin == end) {
    for (var d = 0u; d < n; d++) {
      out[o + d] = start_of(o, d);
    }
    return;
  }
  if (end - begin <= SHORT) {
    let q = four(begin, end, n);
    var a0 = Lane(0.0); var a1 = Lane(0.0); var a2 = Lane(0.0); var a3 = Lane(0.0);
    for (var d = 0u; d < n; d++) {
      // Left to right, as the lanes decoder sums; the entries past SHORT (a constant) are never loaded.
      let u0 = decoder[q.w.x + d];
      var e = start_of(o, d) + q.v.x * u0;
      var u1 = Lane(0.0); var u2 = Lane(0.0); var u3 = Lane(0.0);
      if (SHORT > 1u) { u1 = decoder[q.w.y + d]; e += q.v.y * u1; }
      if (SHORT > 2u) { u2 = decoder[q.w.z + d]; e += q.v.z * u2; }
      if (SHORT > 3u) { u3 = decoder[q.w.w + d]; e += q.v.w * u3; }
      out[o + d] = e;
      a0 += u0 * e;
      if (SHORT > 1u) { a1 += u1 * e; }
      if (SHORT > 2u) { a2 += u2 * e; }
      if (SHORT > 3u) { a3 += u3 * e; }
    }
    put_dots(begin, end, a0, a1, a2, a3);
    return;
  }
  if (end - begin <= 8u) {
    let q = four(begin, end, n);
    let h = four(begin + 4u, end, n);
    var a0 = Lane(0.0); var a1 = Lane(0.0); var a2 = Lane(0.0); var a3 = Lane(0.0);
    var a4 = Lane(0.0); var a5 = Lane(0.0); var a6 = Lane(0.0); var a7 = Lane(0.0);
    for (var d = 0u; d < n; d++) {
      let u0 = decoder[q.w.x + d]; let u1 = decoder[q.w.y + d]; let u2 = decoder[q.w.z + d]; let u3 = decoder[q.w.w + d];
      let u4 = decoder[h.w.x + d]; let u5 = decoder[h.w.y + d]; let u6 = decoder[h.w.z + d]; let u7 = decoder[h.w.w + d];
      let e = start_of(o, d) + q.v.x * u0 + q.v.y * u1 + q.v.z * u2 + q.v.w * u3 + h.v.x * u4 + h.v.y * u5 + h.v.z * u6 + h.v.w * u7;
      out[o + d] = e;
      a0 += u0 * e; a1 += u1 * e; a2 += u2 * e; a3 += u3 * e;
      a4 += u4 * e; a5 += u5 * e; a6 += u6 * e; a7 += u7 * e;
    }
    put_dots(begin, end, a0, a1, a2, a3);
    put_dots(begin + 4u, end, a4, a5, a6, a7);
    return;
  }
  // Entries in order, eight at a time: each output is one sequential sum in latent order.
  for (var p = begin; p < end; p += 8u) {
    let q = four(p, end, n);
    let h = four(p + 4u, end, n);
    for (var d = 0u; d < n; d++) {
      var e: Lane;
      if (p == begin) {
        e = start_of(o, d);
      } else {
        e = out[o + d];
      }
      // Left to right: (((e + f0 w0) + f1 w1) + …), the order of the lanes decoder.
      out[o + d] = e + q.v.x * decoder[q.w.x + d] + q.v.y * decoder[q.w.y + d] + q.v.z * decoder[q.w.z + d] + q.v.w * decoder[q.w.w + d]
        + h.v.x * decoder[h.w.x + d] + h.v.y * decoder[h.w.y + d] + h.v.z * decoder[h.w.z + d] + h.v.w * decoder[h.w.w + d];
    }
  }
  for (var p = begin; p < end; p += 8u) {
    let q = four(p, end, n);
    let h = four(p + 4u, end, n);
    var a0 = Lane(0.0); var a1 = Lane(0.0); var a2 = Lane(0.0); var a3 = Lane(0.0);
    var a4 = Lane(0.0); var a5 = Lane(0.0); var a6 = Lane(0.0); var a7 = Lane(0.0);
    for (var d = 0u; d < n; d++) {
      let e = out[o + d];
      a0 += decoder[q.w.x + d] * e; a1 += decoder[q.w.y + d] * e; a2 += decoder[q.w.z + d] * e; a3 += decoder[q.w.w + d] * e;
      a4 += decoder[h.w.x + d] * e; a5 += decoder[h.w.y + d] * e; a6 += decoder[h.w.z + d] * e; a7 += decoder[h.w.w + d] * e;
    }
    put_dots(p, end, a0, a1, a2, a3);
    put_dots(p + 4u, end, a4, a5, a6, a7);
  }
}
