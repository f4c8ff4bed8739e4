// Exclusive prefix sum of n u32 values in one workgroup: out[i] = Σ_{i'<i} in[i'],
// out[n] = the total. Sizes here are at most a batch's rows or an SAE's latents
// (tens of thousands), so one workgroup suffices: thread t sums a contiguous
// run of ceil(n / WG) values, a Hillis–Steele scan over the WG run totals gives
// each run's start, and each thread writes its run. Integer sums are exact, so
// the result does not depend on the split.

override WG: u32 = 256u;

struct Params {
  n: u32,
}

@group(0) @binding(0) var<storage, read> values: array<u32>;
@group(0) @binding(1) var<storage, read_write> sums: array<u32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> run_total: array<u32, WG>;

// Workgroups: 1.
@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32) {
  let per = (params.n + WG - 1u) / WG;
  let first = min(lid * per, params.n);
  let last = min(first + per, params.n);
  var total = 0u;
  for (var i = first; i < last; i++) {
    total += values[i];
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
    let v = values[i];
    sums[i] = acc;
    acc += v;
  }
  if (lid == WG - 1u) {
    sums[params.n] = run_total[lid];
  }
}
