// Nearest decoder neighbours of a block of latents: row r of sim [rows, m]
// holds the dot products of decoder row first + r with every decoder row
// (unit-norm rows, so these are cosines). Writes its N largest entries other
// than column first + r itself, largest first, equal values to the lower
// latent index, at rows first + r of out_index / out_value [m, N].
//
// One workgroup per row. Thread i scans columns i, i + WG, … and keeps its
// best N, sorted, in its slice of workgroup memory (insertion sort: after
// the first few columns almost every value fails the test against the
// slice's last entry). Then N rounds of a tree argmax over the WG slice
// heads pop the winners in order; each round's winner advances its head.
// The order (value desc, index asc) is total, so the result does not depend
// on WG. NaN never enters a list; a row with fewer than N other non-NaN
// values pads with index 0xffffffff.

override WG: u32 = 64u;  // a power of two (tree argmax)
override N: u32 = 16u;   // neighbours per latent; WG · N · 8 bytes of workgroup memory

struct Params {
  m: u32,
  // Latent of row 0 of sim.
  first: u32,
}

@group(0) @binding(0) var<storage, read> sim: array<f32>;
@group(0) @binding(1) var<storage, read_write> out_index: array<u32>;
@group(0) @binding(2) var<storage, read_write> out_value: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

const NONE: u32 = 0xffffffffu;
const LOWEST: f32 = -0x1.fffffep+127f;  // the lowest finite f32

// Thread t's list: list_*[t·N .. t·N + N), best first.
var<workgroup> list_value: array<f32, WG * N>;
var<workgroup> list_index: array<u32, WG * N>;
// Next unread entry of each list.
var<workgroup> head: array<u32, WG>;
// Tree argmax: the thread whose head is best.
var<workgroup> best: array<u32, WG>;

fn better(v: f32, j: u32, w: f32, i: u32) -> bool {
  return v > w || (v == w && j < i);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let m = params.m;
  let row = wid.x;
  let self_col = params.first + row;
  let base = tid * N;
  for (var s = 0u; s < N; s++) {
    list_value[base + s] = LOWEST;
    list_index[base + s] = NONE;
  }
  for (var c = tid; c < m; c += WG) {
    let v = sim[row * m + c];
    if (c == self_col || !better(v, c, list_value[base + N - 1u], list_index[base + N - 1u])) {
      continue;
    }
    var s = N - 1u;
    while (s > 0u && better(v, c, list_value[base + s - 1u], list_index[base + s - 1u])) {
      list_value[base + s] = list_value[base + s - 1u];
      list_index[base + s] = list_index[base + s - 1u];
      s--;
    }
    list_value[base + s] = v;
    list_index[base + s] = c;
  }
  head[tid] = 0u;
  workgroupBarrier();

  for (var round = 0u; round < N; round++) {
    best[tid] = tid;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
      if (tid < stride) {
        let a = best[tid];
        let b = best[tid + stride];
        let pa = a * N + head[a];
        let pb = b * N + head[b];
        if (better(list_value[pb], list_index[pb], list_value[pa], list_index[pa])) {
          best[tid] = b;
        }
      }
      workgroupBarrier();
    }
    if (tid == 0u) {
      let w = best[0];
      let p = w * N + head[w];
      out_index[self_col * N + round] = list_index[p];
      out_value[self_col * N + round] = list_value[p];
      head[w] = head[w] + 1u;
    }
    workgroupBarrier();
  }
}
