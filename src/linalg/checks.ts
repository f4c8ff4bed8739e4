/** Argument checks shared by the linalg kernels: each throws an error naming the bad value and what is allowed. */

/** Throws unless `value` is an integer ≥ `min`. */
export function requireInteger(what: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${what} = ${value}, but it must be an integer ≥ ${min}`);
  }
}

/** Throws unless `value` is a finite number. */
export function requireFinite(what: string, value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} = ${value}, but it must be a finite number`);
}

/**
 * Throws unless `buffer` holds `rows` rows of `cols` elements at element
 * `offset` with `stride` elements between row starts (stride ≥ cols), i.e.
 * elements up to offset + (rows−1)·stride + cols.
 */
export function requireMatrix(
  what: string,
  buffer: GPUBuffer,
  m: { rows: number; cols: number; offset: number; stride: number; bytesPerElement: number },
): void {
  requireInteger(`${what} offset`, m.offset, 0);
  requireInteger(`${what} stride`, m.stride, m.cols);
  if (m.rows === 0 || m.cols === 0) return;
  const needed = m.offset + (m.rows - 1) * m.stride + m.cols;
  const held = Math.floor(buffer.size / m.bytesPerElement);
  if (needed > held) {
    throw new RangeError(
      `${what} ("${buffer.label}") needs ${needed} elements (${m.rows} rows × ${m.cols} columns, offset ${m.offset}, row stride ${m.stride}), but the buffer holds ${held}`,
    );
  }
}
