// The SAE training loss for one batch, its health check, and the gradient
// seeds' scale (losses normalised as in EleutherAI's sparsify):
//   V      = Σ_r ‖z_r − z̄‖²                          (z̄: the batch mean)
//   L_rec  = Σ_r ‖e_r‖² / V, e = ẑ − z                (the batch FVU)
//   L_aux  = auxK_weight · Σ_r ‖ê_r + e_r‖² / V       (ê: the dead latents'
//            reconstruction of the residual −e, which is held constant)
//   L_l1   = l1 · Σ_{r,j} f_rj / rows                  (ReLU mode)
//   L      = L_rec + L_aux + L_l1
// The decoder (sae-decode.wgsl) writes e and e + ê and their column sums per
// chunk of rows; the seeds ∂L/∂ẑ = 2 e / V and ∂L/∂ê = 2 w (e + ê) / V are
// those matrices scaled by 2/V and 2w/V, which their consumers apply
// (scalars[0] holds V): no pass rewrites the matrices.
//
//   columns:  per column d (one thread per Lane, serial over the chunks):
//             M2_d = Σ_r (z_rd − z̄_d)² from the sums about b_dec,
//             err_d = Σ_r e_rd², aux_d = Σ_r (e + ê)_rd², e_d = Σ_r e_rd; and
//             the metrics window's running column mean / M2 (Chan et al.'s
//             parallel update) and err.
//   finalize: one workgroup: tree sums over columns and active values, the
//             losses, seed_sums_d = 2 e_d / V = Σ_r ∂L/∂ẑ_rd (the decoder's
//             side of grad b_dec), and the health check: a non-finite loss,
//             or one above divergence_factor × the median of the last HISTORY
//             healthy losses, sets train_state's diverged flag (sticky: Adam,
//             the decoder normalisation and the bookkeeping then skip, so the
//             weights stay at the last good step) with the step and loss.

const HISTORY: u32 = 32u;
// Median checks start once this many healthy losses are known.
const MIN_HISTORY: u32 = 8u;
// train_state words: diverged, diverged step, diverged loss (f32 bits),
// healthy losses seen, HISTORY loss ring (f32 bits), window active entries.
const STATE_RING: u32 = 4u;
const STATE_WINDOW_ACTIVE: u32 = 4u + HISTORY;

// finalize sums in one order whatever its threads: PARTS strided partial sums (part i takes columns and
// entries i, i + PARTS, …), then a pairwise tree over the parts. Its threads (WG) take parts lid, lid + WG, …:
// PARTS on a GPU; on a CPU adapter 4 (workgroupThreads), as more would only wait at the barriers.
// (`columns` takes WG threads too, a column each.)
const PARTS: u32 = 64u;
override WG: u32 = 64u;
// columns' element: four columns when d_in divides by 4 (the @vec4 variant).
alias Lane = f32; const LANES = 1u;
// sae-decode.wgsl's column sums per chunk: Σ (z − b_dec), Σ (z − b_dec)², Σ e², Σ e, Σ (e + ê)².
const STAT_SLOTS: u32 = 5u;

struct Params {
  rows: u32,
  d_in: u32,
  // columns: tokens already in the metrics window.
  window_rows: u32,
  capacity: u32,
  // columns: chunks of rows in the decoder's column sums.
  chunks: u32,
  step: u32,
  // finalize: slot of this step in `losses`.
  slot: u32,
  aux_weight: f32,
  l1: f32,
  divergence_factor: f32,
}

// ---- columns: stats [chunks, STAT_SLOTS, d_in], b_dec [d_in] → col_stats [d_in, 4], window [3, d_in] (mean, M2, err)
// One thread per Lane of columns.
@group(0) @binding(0) var<storage, read> stats: array<Lane>;
@group(0) @binding(1) var<storage, read> b_dec: array<Lane>;
@group(0) @binding(2) var<storage, read_write> col_stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> window: array<Lane>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn columns(@builtin(global_invocation_id) gid: vec3<u32>) {
  let d = gid.x;
  let n = params.d_in / LANES;
  if (d >= n) {
    return;
  }
  var sum = Lane(0.0);
  var squares = Lane(0.0);
  var err = Lane(0.0);
  var e_sum = Lane(0.0);
  var aux = Lane(0.0);
  for (var c = 0u; c < params.chunks; c++) {
    let at = c * STAT_SLOTS * n + d;
    sum += stats[at];
    squares += stats[at + n];
    err += stats[at + 2u * n];
    e_sum += stats[at + 3u * n];
    if (params.aux_weight != 0.0) {
      aux += stats[at + 4u * n];
    }
  }
  // About b_dec, which sits near the mean: Σ (z − b)² − (Σ (z − b))² / rows loses little to cancellation.
  let centered_mean = sum / f32(params.rows);
  let m2 = max(squares - sum * centered_mean, Lane(0.0));
  let mean = b_dec[d] + centered_mean;
  // Per column (vec4<f32>(x)[c] is x itself for a scalar Lane).
  for (var c = 0u; c < LANES; c++) {
    let col = 4u * (d * LANES + c);
    col_stats[col] = vec4<f32>(m2)[c];
    col_stats[col + 1u] = vec4<f32>(err)[c];
    col_stats[col + 2u] = vec4<f32>(aux)[c];
    col_stats[col + 3u] = vec4<f32>(e_sum)[c];
  }
  let na = f32(params.window_rows);
  let nb = f32(params.rows);
  let delta = mean - window[d];
  window[d] += delta * nb / (na + nb);
  window[n + d] += m2 + delta * delta * na * nb / (na + nb);
  window[2u * n + d] += err;
}

// ---- finalize: col_stats, act_value [capacity], act_row_start [rows + 1] → scalars [4], losses [slots, 4], train_state, seed_sums [d_in]
@group(0) @binding(0) var<storage, read> fin_col_stats: array<f32>;
@group(0) @binding(1) var<storage, read> act_value: array<f32>;
@group(0) @binding(2) var<storage, read> act_row_start: array<u32>;
@group(0) @binding(3) var<storage, read_write> scalars: array<f32>;
@group(0) @binding(4) var<storage, read_write> losses: array<f32>;
@group(0) @binding(5) var<storage, read_write> train_state: array<u32>;
@group(0) @binding(6) var<storage, read_write> seed_sums: array<f32>;
@group(0) @binding(7) var<uniform> fin_params: Params;

var<workgroup> partial: array<vec4<f32>, PARTS>;

fn is_finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

@compute @workgroup_size(WG)
fn finalize(@builtin(local_invocation_index) lid: u32) {
  let n_active = min(act_row_start[fin_params.rows], fin_params.capacity);
  for (var part = lid; part < PARTS; part += WG) {
    var acc = vec4<f32>(0.0);
    for (var d = part; d < fin_params.d_in; d += PARTS) {
      acc += vec4<f32>(fin_col_stats[4u * d], fin_col_stats[4u * d + 1u], fin_col_stats[4u * d + 2u], 0.0);
    }
    for (var p = part; p < n_active; p += PARTS) {
      acc.w += act_value[p];
    }
    partial[part] = acc;
  }
  workgroupBarrier();
  for (var stride = PARTS / 2u; stride > 0u; stride >>= 1u) {
    for (var i = lid; i < stride; i += WG) {
      partial[i] += partial[i + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  // Σ_r ∂L/∂ẑ_rd = 2/V · Σ_r e_rd.
  let scale = 2.0 / total.x;
  for (var d = lid; d < fin_params.d_in; d += WG) {
    seed_sums[d] = scale * fin_col_stats[4u * d + 3u];
  }
  if (lid != 0u) {
    return;
  }
  let v = total.x;
  let rec = total.y / v;
  let aux = fin_params.aux_weight * total.z / v;
  let l1 = fin_params.l1 * total.w / f32(fin_params.rows);
  let loss = rec + aux + l1;
  scalars[0] = v;
  scalars[1] = rec;
  scalars[2] = aux;
  scalars[3] = l1;
  let slot = 4u * fin_params.slot;
  losses[slot] = loss;
  losses[slot + 1u] = rec;
  losses[slot + 2u] = aux;
  losses[slot + 3u] = l1;
  train_state[STATE_WINDOW_ACTIVE] += n_active;
  if (train_state[0] != 0u) {
    return;
  }
  // Median of the healthy losses in the ring (insertion sort of ≤ HISTORY values).
  let seen = train_state[3];
  let n = min(seen, HISTORY);
  var sorted: array<f32, HISTORY>;
  for (var i = 0u; i < n; i++) {
    let x = bitcast<f32>(train_state[STATE_RING + i]);
    var k = i;
    while (k > 0u && sorted[k - 1u] > x) {
      sorted[k] = sorted[k - 1u];
      k--;
    }
    sorted[k] = x;
  }
  let exploded = seen >= MIN_HISTORY && loss > fin_params.divergence_factor * sorted[n / 2u];
  if (!is_finite(loss) || exploded) {
    train_state[0] = 1u;
    train_state[1] = fin_params.step;
    train_state[2] = bitcast<u32>(loss);
  } else {
    train_state[STATE_RING + seen % HISTORY] = bitcast<u32>(loss);
    train_state[3] = seen + 1u;
  }
}
