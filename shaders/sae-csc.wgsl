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
//          rows WG at a time; each thread binary-searches j in its row's
//          ascending latent list, and a workgroup prefix sum of the hits
//          places them in row order. Rows hold about k entries, so this costs
//          latents · rows · log2(k) probes — small next to the encoder matmul.

// 64 threads: emulated adapters pay per invocation and per barrier.
override WG: u32 = 64u;

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

@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = wid.y * fill_params.groups_x + wid.x;
  if (lid == 0u) {
    list_length = select(0u, latent_start[j + 1u] - latent_start[j], j < fill_params.latents);
  }
  // Latents that did not fire (most of them, per step) skip the row walk.
  if (workgroupUniformLoad(&list_length) == 0u) {
    return;
  }
  var written = latent_start[j];
  for (var base = 0u; base < fill_params.rows; base += WG) {
    let r = base + lid;
    var found = 0u;
    var position = 0u;
    if (r < fill_params.rows) {
      // Binary search for j in the row's ascending list [lo, hi).
      var lo = row_start[r];
      var hi = min(row_start[r + 1u], fill_params.capacity);
      lo = min(lo, hi);
      while (lo < hi) {
        let mid = (lo + hi) / 2u;
        if (latent[mid] < j) {
          lo = mid + 1u;
        } else {
          hi = mid;
        }
      }
      if (lo < min(row_start[r + 1u], fill_params.capacity) && latent[lo] == j) {
        found = 1u;
        position = lo;
      }
    }
    hits[lid] = found;
    workgroupBarrier();
    for (var offset = 1u; offset < WG; offset <<= 1u) {
      let x = select(0u, hits[lid - offset], lid >= offset);
      workgroupBarrier();
      hits[lid] += x;
      workgroupBarrier();
    }
    if (found == 1u) {
      csc_entry[written + hits[lid] - 1u] = position;
    }
    written += hits[WG - 1u];
    workgroupBarrier();
  }
}
