import type { StateCreator } from 'zustand';
import type { LabState } from './store';

/** One matmul layout checked against the float64 CPU product. */
export interface SelfTestCase {
  layout: 'nn' | 'tn' | 'nt';
  m: number;
  n: number;
  k: number;
  /** max over entries of |C_gpu − C_ref| / Σ_k |A_ik·B_kj| (componentwise error, Higham §3.1). */
  maxRelError: number;
  /** γ_K = K·u / (1 − K·u), u = 2⁻²⁴: the float32 bound for any summation order. */
  tolerance: number;
  passed: boolean;
  /** GPU time of the one matmul, in ms. */
  gpuMs: number;
}

export interface SelfTestReport {
  seed: number;
  /** How `gpuMs` was measured: GPU timestamps, or wall time when the device lacks timestamp-query. */
  timing: 'timestamp-query' | 'wall-clock';
  cases: SelfTestCase[];
  passed: boolean;
}

export type SelfTestStatus =
  | { state: 'idle' }
  | { state: 'running'; seed: number }
  | { state: 'done'; report: SelfTestReport }
  | { state: 'failed'; seed: number; message: string };

export interface SelfTestSlice {
  selfTest: SelfTestStatus;
  setSelfTest: (status: SelfTestStatus) => void;
}

export const createSelfTestSlice: StateCreator<LabState, [], [], SelfTestSlice> = (set) => ({
  selfTest: { state: 'idle' },
  setSelfTest: (selfTest) => set({ selfTest }),
});
