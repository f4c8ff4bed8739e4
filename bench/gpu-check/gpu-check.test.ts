/**
 * `npm run gpu:check -- --small` keeps working where there is no GPU: it runs
 * to the end on the emulated adapter and prints every measure with its fields.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const FIELDS: Record<string, string[]> = {
  adapter: ['description', 'fp32_peak_tflops', 'peak_source'],
  matmul: ['case', 'ours', 'ms', 'gflops', 'share_of_fp32_peak'],
  'sae-train': ['case', 'batch', 'd_in', 'latents', 'k', 'step_ms', 'encoder_ms', 'step_over_encoder', 'tokens_per_s', 'peak_gpu_bytes'],
  'model-load': ['model', 'provider', 'load_ms', 'first_call_ms'],
  'unet-call': ['ms_per_guided_call'],
  capture: ['hook', 'ours_ms', 'plain_ms', 'ratio', 'goal'],
  'steer-rerun': ['ours_ms', 'full_ms', 'ratio', 'expected'],
  peers: ['skipped', 'missing'],
  projection: ['basis', 'collect_s', 'fit_s', 'sae_epoch_s', 'total_s', 'goal_s'],
};

describe('gpu:check --small', () => {
  // About a minute on lavapipe: the toy runs on ORT's wasm provider at --small.
  test('prints one JSON line per measure, each with its fields, the projection last', () => {
    const out = execFileSync('npx', ['vite-node', 'bench/gpu-check/run.ts', '--', '--small'], { cwd: root, encoding: 'utf8', timeout: 600_000 });
    const lines = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.measure)).toEqual(['adapter', 'matmul', 'matmul', 'matmul', 'matmul', 'sae-train', 'sae-train', 'model-load', 'unet-call', 'capture', 'steer-rerun', 'peers', 'projection']);
    for (const line of lines) {
      for (const field of FIELDS[line.measure as string]) expect(line, `${line.measure}.${field}`).toHaveProperty(field);
    }
    const sae = lines.filter((l) => l.measure === 'sae-train');
    for (const line of sae) expect(line.peak_gpu_bytes).toBeGreaterThan(0);
    // The m = 32768 case holds twice the parameters of the m = 16384 one.
    expect(sae[1].latents).toBe(2 * (sae[0].latents as number));
    const projection = lines.at(-1)!;
    expect(projection.total_s).toBeCloseTo((projection.collect_s as number) + (projection.fit_s as number) + (projection.sae_epoch_s as number), 6);
  }, 600_000);
});
