/** max |ours − peer| / max |peer|: f32 results in different summation orders agree to about √k·2⁻²⁴; a wrong kernel is off by O(1). */
export function maxRelativeDifference(ours: Float32Array, peer: Float32Array): number {
  if (ours.length !== peer.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < peer.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - peer[i]));
    scale = Math.max(scale, Math.abs(peer[i]));
  }
  return diff / scale;
}
