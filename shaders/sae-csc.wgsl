// Per-latent lists of an SAE active set (the CSR list of sae-topk.wgsl read
// by column), so that gradients of per-latent parameters are reduced by one
// workgroup per latent in a fixed order: WGSL has no float atomics, and a
// fixed order makes results bit-identical from run to run.
//
//   count: latent_count[j] += number of entries with latent j (integer
//          atomics: exact). latent_count must be zero first.
//   (exclusive-scan-u32 turns the counts into latent_start [latents + 1].)
//   fill:  csc_entry[latent_start[j] ..] = the CSR positions p with
//          latent[p] = j, rows ascending. One workgroup per latent walks the
//          rows WG · ROWS at a time; each thread binary-searches j in the
//          ascending latent lists of its ROWS rows, and a workgroup prefix
//          sum of the hit counts places them in row order. Rows hold about k entries, so this costs
//          latents · rows · log2(k) probes — small next to the encoder matmul.

// 64 threads of ROWS rows each per round: emulated adapters (SwiftShader)
// pay per invocation and per barrier.
override WG: u32 = 64u;
override ROWS: u32 = 4u;

struct Params {
  rows: u32,
  latents: u32,
  capacity: u32,
  // Workgroups per grid row for `fill` (latent = wid.y · groups_x + wid.x).
  groups_x: u32,
}

// ---- count: row_start [rows + 1], latent [capacity] → count_out [latents] (+=)
@group(0) @binding(0) var<storage, read> row_start: array<u32>;
@group(0) @binding(1) var<storage, read> latent: array<u32>;
@group(0) @binding(2) var<storage, read_write> count_out: array<atomic<u32>>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn count(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.y * params.groups_x * WG + gid.x;
  if (p < min(row_start[params.rows], params.capacity)) {
    atomicAdd(&count_out[latent[p]], 1u);
  }
}

// ---- fill: row_start, latent as above, latent_start [latents + 1] → csc_entry [capacity]
@group(0) @binding(2) var<storage, read> latent_start: array<u32>;
@group(0) @binding(3) var<storage, read_write> csc_entry: array<u32>;
@group(0) @binding(4) var<uniform> fill_params: Params;

var<workgroup> hits: array<u32, WG>;
var<workgroup> list_length: u32;

// Position of latent j in row r's ascending list, or 0xffffffff.
fn find_in_row(r: u32, j: u32) -> u32 {
  var lo = row_start[r];
  let end = min(row_start[r + 1u], fill_params.capacity);
  var hi = end;
  lo = min(lo, hi);
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (latent[mid] < j) {
      lo = mid + 1u;
    } else {
      hi = mid;
    }
  }
  return select(0xffffffffu, lo, lo < end && latent[lo] == j);
}

// Workgroups: grid over latents. Each round covers WG · ROWS rows; thread lid
// searches the run of ROWS rows from round start + lid · ROWS.
@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = wid.y * fill_params.groups_x + wid.x;
  if (lid == 0u) {
    list_length = select(0u, latent_start[j + 1u] - latent_start[j], j < fill_params.latents);
  }
  // Latents that did not fire in this batch skip the row walk.
  if (workgroupUniformLoad(&list_length) == 0u) {
    return;
  }
  var written = latent_start[j];
  for (var base = 0u; base < fill_params.rows; base += WG * ROWS) {
    let first = base + lid * ROWS;
    let last = min(first + ROWS, fill_params.rows);
    var n = 0u;
    for (var r = first; r < last; r++) {
      n += select(0u, 1u, find_in_row(r, j) != 0xffffffffu);
    }
    hits[lid] = n;
    workgroupBarrier();
    for (var offset = 1u; offset < WG; offset <<= 1u) {
      let x = select(0u, hits[lid - offset], lid >= offset);
      workgroupBarrier();
      hits[lid] += x;
      workgroupBarrier();
    }
    var pos = written + hits[lid] - n;
    for (var r = first; r < last && n > 0u; r++) {
      let p = find_in_row(r, j);
      if (p != 0xffffffffu) {
        csc_entry[pos] = p;
        pos++;
      }
    }
    written += hits[WG - 1u];
    workgroupBarrier();
  }
}
