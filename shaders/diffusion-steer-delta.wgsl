// Writes the steering input that a hooked UNet adds to a block's output
// (α·c_k·v_k[s] inside a mask and window, c_k the latent's unit scale, or ablation's −f_k·v_k[s]), [B, C, P] in the graph's NCHW layout:
//   delta[b, c, p] = on(b) · Σ_j coef[j, p] · dir[j, c]
// dir [J, C]: each steered latent's feature trajectory v_j at this step
// (interpolated between recorded steps on the CPU, J·C values);
// coef [J, P]: its weight per position — α_j·c_j·mask[p] to add a latent (c_j = m_j in m_k units,
// 1/ρ_j in units of the hook's mean activation norm: diffusion/steering-units.ts),
// −f_j(n, p)·mask[p] to ablate it. on(b) is bit b of `branches` (bit 1 only:
// conditional branch only). J is a handful, so each thread loops over it.
// For fp16 graphs (HALF = 1) each thread packs two consecutive elements into
// one word with the core pack2x16float; B·C·P is even for B = 2, and the
// dispatch rounds odd totals up (the last half-word is then zero).

override WG: u32 = 256u;
override HALF: u32 = 0u;

struct Params {
  batch: u32,
  channels: u32,
  positions: u32,
  latents: u32,
  branches: u32,
}

@group(0) @binding(0) var<storage, read> dir: array<f32>;
@group(0) @binding(1) var<storage, read> coef: array<f32>;
@group(0) @binding(2) var<storage, read_write> delta: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

fn value(i: u32) -> f32 {
  let C = params.channels;
  let P = params.positions;
  if (i >= params.batch * C * P) {
    return 0.0;
  }
  let p = i % P;
  let c = (i / P) % C;
  let b = i / (P * C);
  if (((params.branches >> b) & 1u) == 0u) {
    return 0.0;
  }
  var sum = 0.0;
  for (var j = 0u; j < params.latents; j++) {
    sum += coef[j * P + p] * dir[j * C + c];
  }
  return sum;
}

@compute @workgroup_size(WG)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let total = params.batch * params.channels * params.positions;
  let words = select(total, (total + 1u) / 2u, HALF == 1u);
  for (var w = gid.x; w < words; w += WG * groups.x) {
    if (HALF == 1u) {
      delta[w] = pack2x16float(vec2<f32>(value(2u * w), value(2u * w + 1u)));
    } else {
      delta[w] = bitcast<u32>(value(w));
    }
  }
}
