// Sets n consecutive 32-bit words to one value (write f32 as its bit pattern).
// A kernel rather than queue.writeBuffer so the fill runs in order with the
// dispatches recorded around it. One thread per word, 2-D grid for n > 65535·WG.

override WG: u32 = 256u;

struct Params {
  n: u32,
  value: u32,
  // Threads per grid row: workgroups.x · WG.
  row_threads: u32,
}

@group(0) @binding(0) var<storage, read_write> words: array<u32>;
@group(0) @binding(1) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.row_threads + gid.x;
  if (i < params.n) {
    words[i] = params.value;
  }
}
