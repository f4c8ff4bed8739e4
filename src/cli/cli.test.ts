import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { cli, reason } from './test-cli';
import { SafetensorsFile } from '../data/safetensors';
import { splitModel } from '../diffusion/onnx/graph-bytes';
import { readDynamicsFile } from '../dynamics/dynamics-file';
import { readSaeFile } from '../sae/sae-file';

describe('bad input exits non-zero with a one-line reason', () => {
  test('unknown verb', async () => {
    const r = await cli('fitt');
    expect(r.code).toBe(2);
    expect(reason(r.stderr)).toEqual(['error: unknown verb "fitt". Should be one of: generate, collect, hooks, steer, merge, fit, train, eval, ablation, features, synth, study, hook, fit-preview']);
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
    // v_k from the decoder row through the linear inverse, in float64.
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

describe('the model verbs on the toy model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-model-'));
  const prompts = join(dir, 'prompts.txt');
  writeFileSync(prompts, ['a red circle on a black background', '', 'a green square at the top', 'a blue cross on the left', 'a small yellow triangle'].join('\n'));

  test('generate writes one PNG per prompt line and index.json; hooks lists the blocks with shapes', async () => {
    const out = join(dir, 'images');
    const r = await cli('generate', '--model', 'public/models/toy', '--prompts', prompts, '--seed', '7', '--steps', '4', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    expect(index.map((e: { seed: number; file: string }) => [e.seed, e.file])).toEqual([[7, '0000.png'], [8, '0001.png'], [9, '0002.png'], [10, '0003.png']]);
    expect(readFileSync(join(out, '0003.png')).subarray(1, 4).toString()).toBe('PNG');
    const hooks = await cli('hooks', '--model', 'public/models/toy');
    expect(hooks.stdout).toMatch(/^up_blocks\.1\.attentions\.1\s+48 × 4 × 4\s+\(default\)$/m);
    // Blocks the graph has but the manifest does not list are shown as such (collect would refuse them).
    expect(hooks.stdout).toMatch(/^up_blocks\.1\.upsamplers\.0\s+shape unknown\s+\(not in the manifest's hooks: cannot be recorded\)$/m);
  });

  test('two shards merged equal one unsharded collection; merge refuses a shard of another hook', async () => {
    const common = ['--model', 'public/models/toy', '--prompts', prompts, '--steps', '6', '--record', '3'];
    expect((await cli('collect', ...common, '--out', join(dir, 'all.safetensors'))).code).toBe(0);
    expect((await cli('collect', ...common, '--shard', '1/2', '--out', join(dir, 's1.safetensors'))).code).toBe(0);
    expect((await cli('collect', ...common, '--shard', '2/2', '--out', join(dir, 's2.safetensors'))).code).toBe(0);
    const merged = await cli('merge', '--out', join(dir, 'merged.safetensors'), join(dir, 's1.safetensors'), join(dir, 's2.safetensors'));
    expect(merged.code, merged.stderr).toBe(0);
    expect(readFileSync(join(dir, 'merged.safetensors')).equals(readFileSync(join(dir, 'all.safetensors')))).toBe(true);
    expect((await cli('collect', ...common, '--hook', 'mid_block.attentions.0', '--shard', '2/2', '--out', join(dir, 'other.safetensors'))).code).toBe(0);
    const refused = await cli('merge', '--out', join(dir, 'bad.safetensors'), join(dir, 's1.safetensors'), join(dir, 'other.safetensors'));
    expect(refused.code).toBe(1);
    expect(reason(refused.stderr)[0]).toMatch(/shard 2 has hook "mid_block.attentions.0" but shard 1 has "up_blocks.1.attentions.1"/);
  });

  test('hook writes the UNet with the steering input and the raw output; an unknown block exits with one line', async () => {
    const out = join(dir, 'hooked', 'unet.onnx');
    const r = await cli('hook', '--model', 'public/models/toy', '--hook', 'mid_block.attentions.0', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ out, hook: 'mid_block.attentions.0', steer_input: 'steer_mid_block.attentions.0', external_data: [] });
    const { graph } = splitModel(new Uint8Array(readFileSync(out)), 'hooked UNet');
    expect(graph.input.map((i) => i.name)).toContain('steer_mid_block.attentions.0');
    expect(graph.output.map((o) => o.name)).toContain(result.raw_output);
    const unknown = await cli('hook', '--model', 'public/models/toy', '--hook', 'up_blocks.7.resnets.0', '--out', join(dir, 'x.onnx'));
    expect(unknown.code).toBe(2);
    expect(reason(unknown.stderr)).toEqual([expect.stringMatching(/^error: hook: toy-sd UNet has no block "up_blocks.7.resnets.0". Should be one of: down_blocks.0.resnets.0, /)]);
  });

  test("fit-preview writes a 3 × (C + 1) preview map into the folder's manifest.json and nothing else", async () => {
    const model = join(dir, 'toy');
    cpSync('public/models/toy', model, { recursive: true });
    const before = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8'));
    const r = await cli('fit-preview', '--model', model, '--images', '3');
    expect(r.code, r.stderr).toBe(0);
    const { images, r2 } = JSON.parse(r.stdout);
    expect(images).toBe(3);
    expect(r2).toHaveLength(3);
    for (const v of r2) expect(v).toBeLessThanOrEqual(1);
    const after = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8'));
    expect(after.previewMatrix).toHaveLength(3);
    for (const row of after.previewMatrix) expect(row).toHaveLength(before.latentChannels + 1);
    expect(after.previewMatrix).not.toEqual(before.previewMatrix);
    expect({ ...after, previewMatrix: null }).toEqual({ ...before, previewMatrix: null });
    const url = await cli('fit-preview', '--model', 'https://example.org/manifest.json');
    expect(url.code).toBe(2);
    expect(reason(url.stderr)[0]).toBe('error: fit-preview: --model https://example.org/manifest.json is not a folder with manifest.json, which the fitted map is written into');
  });

  test('bad model input: an unknown hook and a missing prompt file each exit with one line', async () => {
    const hook = await cli('collect', '--model', 'public/models/toy', '--prompts', prompts, '--hook', 'up_blocks.7.resnets.0', '--out', join(dir, 'x.safetensors'));
    expect(hook.code).toBe(2);
    expect(reason(hook.stderr)).toEqual([expect.stringMatching(/^error: collect: hook "up_blocks.7.resnets.0" is not a block of toy-sd. Should be one of: down_blocks.0.resnets.0, /)]);
    const missing = await cli('generate', '--model', 'public/models/toy', '--prompts', join(dir, 'nope.txt'), '--out', dir);
    expect(reason(missing.stderr)).toEqual([`error: generate: prompt file not found: ${join(dir, 'nope.txt')}`]);
  });
});
