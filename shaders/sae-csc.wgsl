// Per-latent lists of an SAE active set (the CSR list src/sae/topk.ts selects, read
// by column), so that gradients of per-latent parameters are reduced by one
// workgroup per latent in a fixed order: WGSL has no float atomics, and a
// fixed order makes results bit-identical from run to run.
//
//   count: latent_count[j] += number of entries with latent j (integer
//          atomics: exact). latent_count must be zero first: fresh buffers are, and
//          each build's scan (exclusive-scan-u32 with clear) leaves it so.
//   (exclusive-scan-u32 turns the counts into latent_start [latents + 1].)
//   fill:  csc_entry[latent_start[j] ..] = the CSR positions p with
//          latent[p] = j, rows ascending. One thread per latent walks the
//          rows in order, binary-searching j in each row's ascending latent
//          list, and stops once its list is full. Rows hold about k entries,
//          so this costs at most latents · rows · log2(k) probes into small,
//          cache-resident arrays — small next to the encoder matmul — and
//          needs no barriers (which emulated adapters such as SwiftShader
//          pay dearly for).

override WG: u32 = 64u;

struct Params {
  rows: u32,
  latents: u32,
  capacity: u32,
  // Workgroups per grid row (thread = gid.y · groups_x · WG + gid.x).
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

// Position of latent j in row r's ascending list, or NOT_FOUND.
const NOT_FOUND: u32 = 0xffffffffu;
fn find_in_row(r: u32, j: u32) -> u32 {
  let end = min(row_start[r + 1u], fill_params.capacity);
  var lo = min(row_start[r], end);
  var hi = end;
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    if (latent[mid] < j) {
      lo = mid + 1u;
    } else {
      hi = mid;
    }
  }
  return select(NOT_FOUND, lo, lo < end && latent[lo] == j);
}

// One thread per latent, walking the rows in order until its list is full.
@compute @workgroup_size(WG)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.y * fill_params.groups_x * WG + gid.x;
  if (j >= fill_params.latents) {
    return;
  }
  var pos = latent_start[j];
  let end = latent_start[j + 1u];
  for (var r = 0u; r < fill_params.rows && pos < end; r++) {
    let p = find_in_row(r, j);
    if (p != NOT_FOUND) {
      csc_entry[pos] = p;
      pos++;
    }
  }
}
