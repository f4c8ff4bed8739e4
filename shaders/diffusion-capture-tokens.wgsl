// Copies one CFG branch of a hooked UNet block's output, [B, C, P] (P = H·W,
// NCHW as the graph produces it), into slot `slot` of a trajectory buffer of
// token rows [S, P, C] (spatial position p is a token, its activation x_s ∈ R^C):
//   dst[(slot·P + p)·C + c] = src[(branch·C + c)·P + p]
// The source is bound as raw 32-bit words so one kernel serves f32 graphs and
// fp16 graphs (two halves per word, unpacked with the core unpack2x16float,
// which needs no shader-f16). One thread per destination element; the grid is
// capped at the adapter's workgroup limit, so threads stride.

override WG: u32 = 256u;
// 1 when the source holds f16 values, 0 for f32.
override HALF: u32 = 0u;

struct Params {
  branch: u32,
  channels: u32,
  positions: u32,
  slot: u32,
}

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn source_value(i: u32) -> f32 {
  if (HALF == 1u) {
    let pair = unpack2x16float(src[i / 2u]);
    return select(pair.x, pair.y, (i & 1u) == 1u);
  }
  return bitcast<f32>(src[i]);
}

@compute @workgroup_size(WG)
fn main(
  @builtin(global_invocation_id) gid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let C = params.channels;
  let P = params.positions;
  let total = C * P;
  for (var k = gid.x; k < total; k += WG * groups.x) {
    let c = k % C;
    let p = k / C;
    dst[(params.slot * P + p) * C + c] = source_value((params.branch * C + c) * P + p);
  }
}
