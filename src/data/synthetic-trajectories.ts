import { gaussianArray, seededRandom } from '../gpu/random';

/** What to plant in a synthetic trajectory set (tests and CLI demos need known ground truth). */
export interface SyntheticSpec {
  /** Number of images N. */
  images: number;
  /** Spatial size: P = height · width tokens per image. */
  height: number;
  width: number;
  /** Recorded steps S (≥ 2). */
  steps: number;
  /** Channels d. */
  channels: number;
  /** Planted sparse features (innovations the dynamics cannot predict). */
  features: number;
  /** Expected number of planted features active per token. */
  activePerToken: number;
  /** Std of the dense initial state x_1: large, so it dominates x-space variance. */
  stateScale: number;
  /** Rank of the dense initial state (≤ channels): it lives in a random subspace of this dimension. */
  stateRank: number;
  /** Typical magnitude of a planted feature's activation. */
  featureScale: number;
  /** Std of the isotropic noise added to every step's innovation. */
  noiseScale: number;
  /** Rank of the low-rank part of each A_s = ρ_s·I + U_s V_sᵀ (keeps generation cheap at d = 1280). */
  dynamicsRank: number;
  seed: number;
}

/** The data plus everything that generated it. */
export interface SyntheticTrajectories {
  /** [N, S, P, d] row-major. */
  activations: Float32Array;
  /** True dynamics: A [(S−1), d, d] row-major and b [(S−1), d]. */
  A: Float32Array;
  b: Float32Array;
  /** Planted innovation directions u_k [features, S, d]: unit norm, non-zero at one step ≥ 2 only. */
  innovations: Float32Array;
  /** Their activation-space trajectories v_k [features, S, d] (v_1 = u_1, v_s = A_s v_{s−1} + u_s). */
  trajectories: Float32Array;
}

export const DEFAULT_SYNTHETIC: Omit<SyntheticSpec, 'images' | 'height' | 'width' | 'steps' | 'channels'> = {
  features: 64,
  activePerToken: 3,
  stateScale: 1,
  stateRank: 4,
  featureScale: 1,
  noiseScale: 0.02,
  dynamicsRank: 4,
  seed: 1,
};

/**
 * Trajectories from known linear dynamics plus sparse planted features:
 * x_1 = dense state, x_s = A_s x_{s−1} + b_s + Σ_k c_k u_k[s] + noise.
 * Each planted feature enters at one random step ≥ 2, independently of the
 * past, so no linear predictor can anticipate it; from there the dynamics
 * carry it on, which makes its activation-space trajectory v_k span the
 * later steps. The dense state is exactly what the dynamics predict, so
 * residualization removes it from steps 2..S and leaves the features.
 */
export function syntheticTrajectories(spec: SyntheticSpec): SyntheticTrajectories {
  const { images, height, width, steps: S, channels: d, features: m, dynamicsRank: r } = spec;
  if (S < 2) throw new Error(`steps = ${S}: a trajectory needs at least 2 steps`);
  const P = height * width;
  const random = seededRandom(spec.seed);

  // A_s = ρ_s I + U_s V_sᵀ / d with a small random low-rank part; b_s random.
  const rho = Array.from({ length: S - 1 }, () => 0.8 + 0.3 * random());
  const U = gaussianArray((S - 1) * d * r, random);
  const V = gaussianArray((S - 1) * d * r, random, 1 / Math.sqrt(d));
  const b = gaussianArray((S - 1) * d, random, 0.5 * spec.stateScale);
  const A = new Float32Array((S - 1) * d * d);
  for (let t = 0; t < S - 1; t++) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let low = 0;
        for (let q = 0; q < r; q++) low += U[(t * d + i) * r + q] * V[(t * d + j) * r + q];
        A[(t * d + i) * d + j] = (i === j ? rho[t] : 0) + 0.3 * low;
      }
    }
  }
  const applyA = (t: number, x: Float32Array, xOff: number, out: Float32Array, outOff: number) => {
    // (ρ I + 0.3 U Vᵀ) x in O(d·r).
    const proj = new Float64Array(r);
    for (let j = 0; j < d; j++) for (let q = 0; q < r; q++) proj[q] += V[(t * d + j) * r + q] * x[xOff + j];
    for (let i = 0; i < d; i++) {
      let low = 0;
      for (let q = 0; q < r; q++) low += U[(t * d + i) * r + q] * proj[q];
      out[outOff + i] = rho[t] * x[xOff + i] + 0.3 * low;
    }
  };

  // Planted features: a unit direction entering at one random step s ≥ 2.
  const innovations = new Float32Array(m * S * d);
  for (let k = 0; k < m; k++) {
    const step = 1 + Math.floor(random() * (S - 1));
    const direction = gaussianArray(d, random);
    const inv = 1 / Math.hypot(...direction);
    for (let j = 0; j < d; j++) innovations[(k * S + step) * d + j] = direction[j] * inv;
  }
  const trajectories = new Float32Array(m * S * d);
  for (let k = 0; k < m; k++) {
    const base = k * S * d;
    for (let j = 0; j < d; j++) trajectories[base + j] = innovations[base + j];
    for (let s = 1; s < S; s++) {
      applyA(s - 1, trajectories, base + (s - 1) * d, trajectories, base + s * d);
      for (let j = 0; j < d; j++) trajectories[base + s * d + j] += innovations[base + s * d + j];
    }
  }

  const activations = new Float32Array(images * S * P * d);
  const probability = Math.min(1, spec.activePerToken / m);
  const stateRank = Math.min(spec.stateRank, d);
  const stateBasis = gaussianArray(stateRank * d, random, spec.stateScale / Math.sqrt(stateRank));
  const x = new Float32Array(S * d);
  for (let n = 0; n < images; n++) {
    for (let p = 0; p < P; p++) {
      // x_1: a dense state in a random stateRank-dim subspace, plus the same small noise as every step.
      const coefficients = gaussianArray(stateRank, random);
      const noise1 = gaussianArray(d, random, spec.noiseScale);
      for (let j = 0; j < d; j++) {
        let value = noise1[j];
        for (let q = 0; q < stateRank; q++) value += coefficients[q] * stateBasis[q * d + j];
        x[j] = value;
      }
      const innovation = gaussianArray((S - 1) * d, random, spec.noiseScale);
      for (let k = 0; k < m; k++) {
        if (random() >= probability) continue;
        const c = spec.featureScale * (0.5 + random());
        for (let i = 0; i < (S - 1) * d; i++) innovation[i] += c * innovations[k * S * d + d + i];
      }
      for (let s = 1; s < S; s++) {
        applyA(s - 1, x, (s - 1) * d, x, s * d);
        for (let j = 0; j < d; j++) x[s * d + j] += b[(s - 1) * d + j] + innovation[(s - 1) * d + j];
      }
      for (let s = 0; s < S; s++) activations.set(x.subarray(s * d, (s + 1) * d), ((n * S + s) * P + p) * d);
    }
  }
  return { activations, A, b, innovations, trajectories };
}
