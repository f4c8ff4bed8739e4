/**
 * Dynamics files: the fitted linear dynamics
 * x_s ≈ A_s x_{s-1} + b_s and the per-block normalisation of z, as
 * safetensors (all F32, row-major):
 *
 *   A:          [S-1, d, d]  A[i] maps step i to step i+1 (0-based)
 *   b:          [S-1, d]
 *   scales:     [S]          RMS norm of each z block over the training set
 *   r2:         [S-1]        per-transition R² on the training tokens
 *   r2_heldout: [S-1]        optional, R² on held-out tokens
 *
 * `__metadata__`: kind = "dynamics", variant, and JSON-encoded lambda, S, d.
 * Every variant stores A in full so the format stays uniform: `diagonal`
 * has zero off-diagonals, `identity` is A = I, b = 0 (plain differencing),
 * `none` is A = 0, b = 0 (z = x, no residualization).
 */

import { SafetensorsError, SafetensorsFile, serializeSafetensors, type ByteSource, type TensorEntry } from '../data/safetensors';
import { checkKind, checkLengths, sameShape } from '../data/safetensors-checks';

export const DYNAMICS_VARIANTS = ['full', 'diagonal', 'identity', 'none'] as const;
export type DynamicsVariant = (typeof DYNAMICS_VARIANTS)[number];

const KIND = 'dynamics';

export interface DynamicsModel {
  variant: DynamicsVariant;
  /** Ridge strength, in units of activation variance. */
  lambda: number;
  /** Recorded steps and channels. */
  S: number;
  d: number;
  /** [S-1, d, d] row-major. */
  A: Float32Array;
  /** [S-1, d]. */
  b: Float32Array;
  /** [S]. */
  scales: Float32Array;
  /** [S-1] training R² per transition. */
  r2: Float32Array;
  /** [S-1] held-out R² per transition, when measured. */
  r2Heldout?: Float32Array;
}

function fail(message: string): never {
  throw new SafetensorsError(`dynamics file: ${message}`);
}

function isDynamicsVariant(v: unknown): v is DynamicsVariant {
  return (DYNAMICS_VARIANTS as readonly unknown[]).includes(v);
}

/** The value `variant` forces on A[i][r][c], or null where the fit chooses it. */
function forcedA(variant: DynamicsVariant, r: number, c: number): number | null {
  switch (variant) {
    case 'full':
      return null;
    case 'diagonal':
      return r === c ? null : 0;
    case 'identity':
      return r === c ? 1 : 0;
    case 'none':
      return 0;
  }
}

/** Checks sizes, finiteness and that A and b have the form `variant` implies; returns `m`. */
export function validateDynamics(m: DynamicsModel): DynamicsModel {
  if (!isDynamicsVariant(m.variant)) fail(`variant ${JSON.stringify(m.variant)} is not one of ${DYNAMICS_VARIANTS.join(', ')}`);
  if (!Number.isFinite(m.lambda) || m.lambda < 0) fail(`lambda must be a finite number >= 0, got ${m.lambda}`);
  for (const [key, v] of [['S', m.S], ['d', m.d]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) fail(`${key} must be a positive integer, got ${v}`);
  }
  const { S, d } = m;
  checkLengths(
    [
      ['A', m.A, (S - 1) * d * d, `[S-1, d, d] = [${S - 1}, ${d}, ${d}]`],
      ['b', m.b, (S - 1) * d, `[S-1, d] = [${S - 1}, ${d}]`],
      ['scales', m.scales, S, `[S] = [${S}]`],
      ['r2', m.r2, S - 1, `[S-1] = [${S - 1}]`],
      ['r2Heldout', m.r2Heldout, S - 1, `[S-1] = [${S - 1}]`],
    ],
    fail,
  );
  for (const [name, arr] of [['A', m.A], ['b', m.b]] as const) {
    const bad = arr.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`${name}[${bad}] = ${arr[bad]} is not finite`);
  }
  const badScale = m.scales.findIndex((v) => !(v > 0 && Number.isFinite(v)));
  if (badScale >= 0) fail(`scales[${badScale}] = ${m.scales[badScale]}; block scales must be positive and finite`);
  for (let i = 0; i < S - 1; i++) {
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) {
        const forced = forcedA(m.variant, r, c);
        const v = m.A[(i * d + r) * d + c];
        if (forced !== null && v !== forced) fail(`variant "${m.variant}" needs A[${i}][${r}][${c}] = ${forced}, got ${v}`);
      }
    }
  }
  if (m.variant === 'identity' || m.variant === 'none') {
    const bad = m.b.findIndex((v) => v !== 0);
    if (bad >= 0) fail(`variant "${m.variant}" needs b = 0, got b[${bad}] = ${m.b[bad]}`);
  }
  return m;
}

export function serializeDynamicsFile(m: DynamicsModel): Blob {
  validateDynamics(m);
  const { S, d } = m;
  const tensors: Record<string, TensorEntry> = {
    A: { dtype: 'F32', shape: [S - 1, d, d], data: m.A },
    b: { dtype: 'F32', shape: [S - 1, d], data: m.b },
    scales: { dtype: 'F32', shape: [S], data: m.scales },
    r2: { dtype: 'F32', shape: [S - 1], data: m.r2 },
  };
  if (m.r2Heldout !== undefined) tensors.r2_heldout = { dtype: 'F32', shape: [S - 1], data: m.r2Heldout };
  return serializeSafetensors(tensors, {
    kind: KIND,
    variant: m.variant,
    lambda: JSON.stringify(m.lambda),
    S: JSON.stringify(S),
    d: JSON.stringify(d),
  });
}

export async function readDynamicsFile(source: ByteSource): Promise<DynamicsModel> {
  const file = await SafetensorsFile.open(source);
  const meta = file.metadata;
  checkKind(meta, KIND, fail);
  const number = (key: string): number => {
    const text = meta[key] ?? fail(`metadata "${key}" is missing`);
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      fail(`metadata "${key}" is not JSON: ${text.slice(0, 80)}`);
    }
    return typeof v === 'number' ? v : fail(`metadata "${key}" must be a JSON number, got ${text.slice(0, 80)}`);
  };
  const variant = meta.variant;
  if (!isDynamicsVariant(variant)) fail(`metadata variant ${JSON.stringify(variant)} is not one of ${DYNAMICS_VARIANTS.join(', ')}`);
  const S = number('S');
  const d = number('d');
  for (const [key, v] of [['S', S], ['d', d]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) fail(`metadata ${key} must be a positive integer, got ${v}`);
  }
  const expectShape = (name: string, shape: number[]): void => {
    const got = file.info(name).shape;
    if (!sameShape(got, shape)) {
      fail(`${name} has shape [${got.join(', ')}]; S = ${S}, d = ${d} need [${shape.join(', ')}]`);
    }
  };
  expectShape('A', [S - 1, d, d]);
  expectShape('b', [S - 1, d]);
  expectShape('scales', [S]);
  expectShape('r2', [S - 1]);
  const model: DynamicsModel = {
    variant,
    lambda: number('lambda'),
    S,
    d,
    A: await file.readF32('A'),
    b: await file.readF32('b'),
    scales: await file.readF32('scales'),
    r2: await file.readF32('r2'),
  };
  if (file.tensors.has('r2_heldout')) {
    expectShape('r2_heldout', [S - 1]);
    model.r2Heldout = await file.readF32('r2_heldout');
  }
  return validateDynamics(model);
}
