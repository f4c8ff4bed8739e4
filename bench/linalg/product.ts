import type { TimedRun } from '../shared/measure';

/** A product whose inputs are on the GPU, ready to run repeatedly. */
export interface PreparedProduct extends TimedRun {
  /** C [m, n] row-major, from the last run. */
  result(): Promise<Float32Array>;
  /** Frees what `run` allocated (outputs, library tensors), not the shared inputs. */
  dispose(): void;
}
