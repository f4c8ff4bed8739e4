// Running per-column sums for FVU = Σ‖x − x̂‖² / Σ‖x − x̄‖² over a stream of
// batches (a ratio of sums, never a mean of per-batch ratios).
//
// x, x_hat: [rows, cols] row-major. For each column c the running totals are
//   sums[0·cols + c] += Σ_r (x − k_c)        sums[1·cols + c] += Σ_r (x − k_c)²
//   sums[2·cols + c] += Σ_r (x − x̂)²
// with the shift k_c = x[0, c] of the first batch (the "shifted data" variance
// algorithm: Σ(x−x̄)² = Σ(x−k)² − (Σ(x−k))²/N stays accurate in f32 when the
// mean is ≫ the spread). `first` = 1 on the first batch, which also stores k.
//
// A workgroup owns COLS adjacent columns (coalesced loads along a row) and
// LANES row lanes; each thread Kahan-sums its rows, lane partials are added in
// a fixed order, and the running totals are Kahan sums with compensation in
// `comp` (true total = sums − comp), so results are deterministic.

override COLS: u32 = 32u;
override LANES: u32 = 8u;

struct Params {
  rows: u32,
  cols: u32,
  first: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> x_hat: array<f32>;
@group(0) @binding(2) var<storage, read_write> shift: array<f32>;
@group(0) @binding(3) var<storage, read_write> sums: array<f32>;
@group(0) @binding(4) var<storage, read_write> comp: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> partial: array<vec3<f32>, COLS * LANES>;

/** Kahan step: adds v to (sum, c) where the true total is sum − c. */
fn kahan(sum: ptr<function, vec3<f32>>, c: ptr<function, vec3<f32>>, v: vec3<f32>) {
  let y = v - *c;
  let t = *sum + y;
  *c = (t - *sum) - y;
  *sum = t;
}

@compute @workgroup_size(COLS, LANES)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let col = wid.x * COLS + lid.x;
  let in_range = col < params.cols;
  var sum = vec3<f32>(0.0);
  var c = vec3<f32>(0.0);
  if (in_range) {
    let k = select(shift[col], x[col], params.first != 0u);
    for (var r = lid.y; r < params.rows; r += LANES) {
      let v = x[r * params.cols + col];
      let a = v - k;
      let e = v - x_hat[r * params.cols + col];
      kahan(&sum, &c, vec3<f32>(a, a * a, e * e));
    }
  }
  partial[lid.y * COLS + lid.x] = sum - c;
  workgroupBarrier();
  if (!in_range || lid.y != 0u) {
    return;
  }
  var batch = vec3<f32>(0.0);
  var batchComp = vec3<f32>(0.0);
  for (var lane = 0u; lane < LANES; lane++) {
    kahan(&batch, &batchComp, partial[lane * COLS + lid.x]);
  }
  if (params.first != 0u) {
    shift[col] = x[col];
  }
  var total = vec3<f32>(sums[col], sums[params.cols + col], sums[2u * params.cols + col]);
  var totalComp = vec3<f32>(comp[col], comp[params.cols + col], comp[2u * params.cols + col]);
  kahan(&total, &totalComp, batch - batchComp);
  for (var i = 0u; i < 3u; i++) {
    sums[i * params.cols + col] = total[i];
    comp[i * params.cols + col] = totalComp[i];
  }
}
