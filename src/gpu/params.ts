/**
 * The one `Params` uniform struct each kernel takes (run-time sizes in one struct, bindings stay few): a flat list of
 * 4-byte scalars in declaration order. Plain numbers are u32; wrap floats
 * with `f32()` and signed integers with `i32()`.
 */
export type ParamValue = number | { f32: number } | { i32: number };

export const f32 = (value: number): ParamValue => ({ f32: value });
export const i32 = (value: number): ParamValue => ({ i32: value });

/** Packs the values into a buffer padded to 16 bytes (uniform struct size rule, WGSL §13.4.1). */
export function packParams(values: readonly ParamValue[]): ArrayBuffer {
  const bytes = Math.max(16, Math.ceil((values.length * 4) / 16) * 16);
  const buffer = new ArrayBuffer(bytes);
  const view = new DataView(buffer);
  values.forEach((value, i) => {
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw new Error(`Param ${i} = ${value} is not a u32; wrap floats with f32() and negatives with i32()`);
      }
      view.setUint32(i * 4, value, true);
    } else if ('f32' in value) {
      view.setFloat32(i * 4, value.f32, true);
    } else {
      view.setInt32(i * 4, value.i32, true);
    }
  });
  return buffer;
}
