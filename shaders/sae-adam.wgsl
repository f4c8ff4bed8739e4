// Adam (Kingma & Ba 2015, Algorithm 1) with PyTorch's placement of ε:
//   m = β1 m + (1 − β1) g,   v = β2 v + (1 − β2) g²,
//   θ −= step_size · m / (√v · inv_sqrt_bc2 + ε)
// with step_size = lr_t / (1 − β1^t) and inv_sqrt_bc2 = 1 / √(1 − β2^t)
// computed on the CPU in float64 (lr_t includes the warm-up). Skipped once
// training has diverged (train_state word 0), so the weights stay at the last
// good step.
//
//   main:         any parameter tensor, elementwise. One thread per Lane
//                 (four elements when n divides by 4), 2-D grid for large tensors.
//   decoder_rows: W_dec under the unit-norm constraint on its rows (one
//                 direction per latent; OpenAI sparse_autoencoder, sparsify),
//                 one step per row w_j with gradient g_j:
//                   g_j −= (g_j · w_j) w_j   (always; written back: the
//                                             gradient the step used),
//                   Adam on w_j with g_j, then w_j /= ‖w_j‖ (unless diverged).
//                 One thread per row with serial sums over its Lanes: a fixed
//                 order, no barriers (which emulated adapters such as
//                 SwiftShader pay dearly for), and one dispatch where the
//                 projection, the update and the renormalisation took three.

override WG: u32 = 256u;
alias Lane = f32; const LANES = 1u;

struct Params {
  // main: elements; decoder_rows: rows of the block.
  n: u32,
  // Threads per grid row (main: Lane = gid.y · row_threads + gid.x; decoder_rows: row = gid.y · row_threads + gid.x).
  row_threads: u32,
  step_size: f32,
  inv_sqrt_bc2: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  // decoder_rows: the row length.
  d_in: u32,
}

@group(0) @binding(1) var<storage, read> train_state: array<u32>;
@group(0) @binding(2) var<storage, read_write> param: array<Lane>;
@group(0) @binding(3) var<storage, read_write> moment1: array<Lane>;
@group(0) @binding(4) var<storage, read_write> moment2: array<Lane>;
@group(0) @binding(5) var<uniform> params: Params;

// The sum of a Lane's floats (dot with 1s; a scalar Lane is splat to 4 copies, hence the 1/4, exact).
fn lane_sum(x: Lane) -> f32 {
  return dot(vec4<f32>(x), vec4<f32>(f32(LANES) / 4.0));
}

// One Adam update of Lane i, holding w, with gradient g: the moments are stored, the new w returned.
fn updated(i: u32, w: Lane, g: Lane) -> Lane {
  let m = params.beta1 * moment1[i] + (1.0 - params.beta1) * g;
  let v = params.beta2 * moment2[i] + (1.0 - params.beta2) * g * g;
  moment1[i] = m;
  moment2[i] = v;
  return w - params.step_size * m / (sqrt(v) * params.inv_sqrt_bc2 + params.eps);
}

// ---- main: grad [n] → param, moment1, moment2 [n] (in place)
@group(0) @binding(0) var<storage, read> grad: array<Lane>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.row_threads + gid.x;
  if (i >= params.n / LANES || train_state[0] != 0u) {
    return;
  }
  param[i] = updated(i, param[i], grad[i]);
}

// ---- decoder_rows: row_grad [n, d_in] (projected in place), param = W_dec block [n, d_in], moments [n, d_in]
@group(0) @binding(0) var<storage, read_write> row_grad: array<Lane>;

@compute @workgroup_size(WG)
fn decoder_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.y * params.row_threads + gid.x;
  if (j >= params.n) {
    return;
  }
  let base = j * (params.d_in / LANES);
  let end = base + params.d_in / LANES;
  var dots = Lane(0.0);
  for (var i = base; i < end; i++) {
    dots += row_grad[i] * param[i];
  }
  let along = lane_sum(dots);
  let frozen = train_state[0] != 0u;
  var squares = Lane(0.0);
  for (var i = base; i < end; i++) {
    let w = param[i];
    let g = row_grad[i] - along * w;
    row_grad[i] = g;
    if (!frozen) {
      let w_new = updated(i, w, g);
      param[i] = w_new;
      squares += w_new * w_new;
    }
  }
  if (frozen) {
    return;
  }
  let scale = 1.0 / sqrt(lane_sum(squares));
  for (var i = base; i < end; i++) {
    param[i] *= scale;
  }
}
