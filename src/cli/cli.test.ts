import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';
import { SafetensorsFile } from '../data/safetensors';
import { readDynamicsFile } from '../dynamics/dynamics-file';
import { readSaeFile } from '../sae/sae-file';

const run = promisify(execFile);

/** Runs `npm run cli -- <args>` the way a script would; never throws. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['vite-node', 'src/cli/main.ts', '--', ...args], { timeout: 600_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The one-line reason a failed command printed. */
const reason = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

describe('bad input exits non-zero with a one-line reason', () => {
  test('unknown verb', async () => {
    const r = await cli('fitt');
    expect(r.code).toBe(2);
    expect(reason(r.stderr)).toEqual(['error: unknown verb "fitt". Should be one of: fit, train, eval, ablation, features, synth']);
  });
  test('missing and malformed options', async () => {
    const missing = await cli('train', '--traj', 'x.safetensors');
    expect(missing.code).toBe(2);
    expect(reason(missing.stderr)[0]).toMatch(/^error: train: --out is required$/);
    const bad = await cli('fit', '--traj', 'x', '--out', 'y', '--variant', 'cubic');
    expect(bad.code).toBe(2);
    expect(reason(bad.stderr)[0]).toBe('error: fit: --variant is "cubic". Should be one of: full, diagonal, identity, none');
  });
  test('a missing file and a truncated trajectory file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-bad-'));
    const missing = await cli('fit', '--traj', join(dir, 'none.safetensors'), '--out', join(dir, 'd.safetensors'));
    expect(missing.code).toBe(2);
    expect(reason(missing.stderr)[0]).toContain('trajectory file not found');
    const made = await cli('synth', '--out', join(dir, 't.safetensors'), '--images', '2', '--size', '2', '--channels', '4', '--steps', '3');
    expect(made.code).toBe(0);
    const bytes = readFileSync(join(dir, 't.safetensors'));
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 10));
    const cut = await cli('fit', '--traj', join(dir, 'cut.safetensors'), '--out', join(dir, 'd.safetensors'));
    expect(cut.code).toBe(1);
    expect(reason(cut.stderr)).toHaveLength(1);
    expect(reason(cut.stderr)[0]).toMatch(/activations/);
  });
});

describe('synth → fit → train → eval → features on one file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-flow-'));
  const file = (name: string) => join(dir, name);
  const S = 3, d = 8, latents = 24;
  beforeAll(async () => {
    expect((await cli('synth', '--out', file('t.safetensors'), '--images', '10', '--size', '4', '--channels', String(d), '--steps', String(S), '--features', '12')).code).toBe(0);
  }, 600_000);

  test('each verb writes its file and prints its JSON result', async () => {
    const fit = await cli('fit', '--traj', file('t.safetensors'), '--variant', 'full', '--lambda', 'auto', '--out', file('d.safetensors'));
    expect(fit.code, fit.stderr).toBe(0);
    const fitted = JSON.parse(fit.stdout.trim().split('\n').pop()!);
    const dynamics = await readDynamicsFile(readFileSync(file('d.safetensors')));
    expect(fitted.lambda).toBeCloseTo(dynamics.lambda, 12);
    expect(fitted.r2).toHaveLength(S - 1);
    for (const r2 of fitted.r2) expect(r2).toBeGreaterThan(0.5);

    const train = await cli('train', '--traj', file('t.safetensors'), '--dynamics', file('d.safetensors'), '--latents', String(latents), '--k', '3', '--steps', '40', '--batch', '64', '--seed', '5', '--lr', '3e-3', '--metrics-every', '20', '--out', file('sae.safetensors'));
    expect(train.code, train.stderr).toBe(0);
    expect(train.stderr).toMatch(/train: step 20\/40/);
    const sae = await readSaeFile(readFileSync(file('sae.safetensors')));
    expect(sae.cfg).toMatchObject({ architecture: 'batchtopk', d_in: S * d, d_sae: latents, k: 3, trajectory_steps: S, d_model: d, residualized: true });
    expect(JSON.parse(readFileSync(file('cfg.json'), 'utf8')).d_sae).toBe(latents);

    const evaluation = await cli('eval', '--traj', file('t.safetensors'), '--dynamics', file('d.safetensors'), '--sae', file('sae.safetensors'), '--batch', '64', '--json');
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const metrics = JSON.parse(evaluation.stdout.trim());
    expect(metrics.tokens).toBe(10 * 16);
    expect(metrics.fvu_x_per_step).toHaveLength(S);
    for (const key of ['fvu_z', 'fvu_x', 'l0', 'dead_percent', 'dense_percent']) expect(Number.isFinite(metrics[key]), key).toBe(true);
    expect(metrics.fvu_z).toBeLessThan(1);

    const features = await cli('features', '--sae', file('sae.safetensors'), '--dynamics', file('d.safetensors'), '--out', file('v.safetensors'));
    expect(features.code, features.stderr).toBe(0);
    const v = await SafetensorsFile.open(readFileSync(file('v.safetensors')));
    expect(v.info('trajectories').shape).toEqual([latents, S, d]);
    // v_k from the decoder row through the linear inverse, in float64 (DESIGN §1.4).
    const trajectories = await v.readF32('trajectories');
    for (const k of [0, latents - 1]) {
      let previous = new Float64Array(d);
      for (let s = 0; s < S; s++) {
        const next = new Float64Array(d);
        for (let i = 0; i < d; i++) {
          let value = sae.W_dec[k * S * d + s * d + i] * dynamics.scales[s];
          if (s > 0) for (let j = 0; j < d; j++) value += dynamics.A[((s - 1) * d + i) * d + j] * previous[j];
          next[i] = value;
          expect(trajectories[(k * S + s) * d + i]).toBeCloseTo(value, 4);
        }
        previous = next;
      }
    }
  }, 900_000);
});
