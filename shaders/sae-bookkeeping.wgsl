// Per-step SAE bookkeeping after the loss is known (skipped once training
// diverged, like every update):
//   * idle[j]: training tokens since latent j last fired (0 if it fired in
//     this batch), saturating at 2³² − 1; a latent is dead once idle reaches
//     deadAfterTokens (OpenAI sparse_autoencoder's dead-latent rule);
//   * fires[j] += tokens of this batch on which latent j fired (metrics
//     window: dense latents);
//   * batchtopk: the inference threshold θ ← EMA of the smallest kept
//     activation (the batch's threshold value key), as the BatchTopK paper
//     (Bussmann et al. 2024, §3) estimates θ for inference.
// One thread per latent; thread 0 also updates θ.

override WG: u32 = 64u;

struct SelectState {
  value_key: u32,
  index_key: u32,
  remaining: u32,
  done: u32,
}

struct Params {
  latents: u32,
  rows: u32,
  update_threshold: u32,
  decay: f32,
  // Latent j's entries are list_start[j · list_stride] .. list_start[(j + 1) · list_stride].
  list_stride: u32,
}

@group(0) @binding(0) var<storage, read> list_start: array<u32>;        // [latents · list_stride + 1]: the batch's per-latent lists (sae-csc.wgsl)
@group(0) @binding(1) var<storage, read> select_state: array<SelectState>;
@group(0) @binding(2) var<storage, read> train_state: array<u32>;
@group(0) @binding(3) var<storage, read_write> idle: array<u32>;        // [latents]
@group(0) @binding(4) var<storage, read_write> fires: array<u32>;       // [latents]
@group(0) @binding(5) var<storage, read_write> threshold: array<f32>;   // [θ, set]
@group(0) @binding(6) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= params.latents || train_state[0] != 0u) {
    return;
  }
  let c = list_start[(j + 1u) * params.list_stride] - list_start[j * params.list_stride];
  let was = idle[j];
  idle[j] = select(select(was + params.rows, 0xffffffffu, was > 0xffffffffu - params.rows), 0u, c > 0u);
  fires[j] += c;
  let key = select_state[0].value_key;
  if (j == 0u && params.update_threshold != 0u && key != 0u) {
    let kept = bitcast<f32>(key);
    if (threshold[1] == 0.0) {
      threshold[0] = kept;
      threshold[1] = 1.0;
    } else {
      threshold[0] = params.decay * threshold[0] + (1.0 - params.decay) * kept;
    }
  }
}
