/**
 * The toy model's stored references (models/toy/reference/*.json + .bin,
 * written by export.py and train_taesd.py): an index of named tensors at byte
 * offsets into one file of raw little-endian float32 / int32 values.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'reference');

export interface ReferenceIndex {
  file: string;
  tensors: Record<string, { offset: number; dtype: 'float32' | 'int32'; shape: number[] }>;
}

export interface ReferenceTensor {
  data: Float32Array | Int32Array;
  dims: number[];
}

/** Opens <dir>/<indexFile> (the toy's reference/ by default); `read(name)` returns a stored tensor, or throws naming the ones there are. */
export function openReference<T extends ReferenceIndex>(indexFile: string, dir = REFERENCE_DIR): { index: T; read: (name: string) => ReferenceTensor } {
  const index = JSON.parse(readFileSync(join(dir, indexFile), 'utf8')) as T;
  const bytes = readFileSync(join(dir, index.file));
  const read = (name: string): ReferenceTensor => {
    const e = index.tensors[name];
    if (!e) throw new Error(`${indexFile} has no tensor "${name}"; it has: ${Object.keys(index.tensors).join(', ')}`);
    const n = e.shape.reduce((a, b) => a * b, 1);
    const buf = bytes.buffer.slice(bytes.byteOffset + e.offset, bytes.byteOffset + e.offset + 4 * n);
    return { data: e.dtype === 'int32' ? new Int32Array(buf) : new Float32Array(buf), dims: e.shape };
  };
  return { index, read };
}

/** max|a − b| and max|a − b| / max|b| (b the reference). */
export function errors(a: ArrayLike<number>, b: ArrayLike<number>): { maxAbs: number; rel: number } {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return { maxAbs: num, rel: num / den };
}
