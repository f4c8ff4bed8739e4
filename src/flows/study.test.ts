/**
 * The `--quick` study end to end through the CLI, checking what must hold
 * whatever the seed: the files exist and parse, every
 * number is finite, FVU per arm and per step agree with `eval --json` on the
 * written files, each best latent's AUROC equals a float64 CPU computation
 * from the saved activations (and those from a float64 CPU encoding of the
 * saved trajectories), and every steering success the study counted is the
 * probe's reading of the saved image.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, openAsBlob, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { SafetensorsFile } from '../data/safetensors';
import { imagesToTokens, TrajectoryReader } from '../data/trajectory-file';
import { readAttributes } from '../diffusion/attribute-probe';
import { parseManifest } from '../diffusion/manifest';
import { configureWasm, ModelSession } from '../diffusion/ort-runtime';
import type { RgbaImage } from '../diffusion/vae-image';
import { readDynamicsFile, type DynamicsModel } from '../dynamics/dynamics-file';
import { residualizeRef } from '../dynamics/test-reference';
import { readLatentStatistics } from '../sae/latent-statistics-file';
import { readSaeFile, type SaeWeights } from '../sae/sae-file';
import { pairwiseAuroc } from '../analysis/test-reference';
import type { StudyResult, SteeringRun } from '../study/study-results';

const run = promisify(execFile);
const toyDir = join(__dirname, '..', '..', 'public', 'models', 'toy');
const ARMS = ['residualized-concat', 'concat', 'residualized-per-step', 'per-step'];

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['vite-node', 'src/cli/main.ts', '--', ...args], { timeout: 900_000, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every number anywhere in a JSON value, with its path. */
function numbers(value: unknown, path = ''): [string, unknown][] {
  if (typeof value === 'number' || value === null) return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (typeof value === 'object') return Object.entries(value as object).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
  return [];
}

/**
 * Image maxima of every latent in float64: z by the float64
 * residualization reference, pre = W_encᵀ(z − b_dec) + b_enc, TopK, positive only;
 * a per-step SAE encodes each step's block on its own. x: one image [S, P, d].
 */
function imageMaxRef(x: Float32Array, P: number, dyn: DynamicsModel, sae: SaeWeights): Float64Array {
  const { S, d } = dyn;
  const { z } = residualizeRef(dyn, imagesToTokens(x, 1, S, P, d), P);
  const m = sae.cfg.d_sae;
  const width = sae.cfg.d_in;
  const out = new Float64Array(m);
  for (let row = 0; row < z.length / width; row++) {
    const pre = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      let sum = sae.b_enc[k];
      for (let i = 0; i < width; i++) sum += sae.W_enc[i * m + k] * (z[row * width + i] - sae.b_dec[i]);
      pre[k] = sum;
    }
    for (const k of [...pre.keys()].sort((a, b) => pre[b] - pre[a]).slice(0, sae.cfg.k!)) out[k] = Math.max(out[k], pre[k]);
  }
  return out;
}

/** Our PNGs (png.ts): 8-bit RGBA, one IDAT, filter 0 on every line. */
function decodePng(bytes: Buffer): RgbaImage {
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  const width = bytes.readUInt32BE(16), height = bytes.readUInt32BE(20);
  let offset = 8;
  const idat: Buffer[] = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    if (bytes.subarray(offset + 4, offset + 8).toString() === 'IDAT') idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (1 + width * 4)]).toBe(0);
    data.set(raw.subarray(y * (1 + width * 4) + 1, (y + 1) * (1 + width * 4)), y * width * 4);
  }
  return { width, height, data };
}

describe('study --quick on the toy model', () => {
  const out = mkdtempSync(join(tmpdir(), 'study-quick-'));
  const file = (path: string) => join(out, path);
  let study: StudyResult;
  let prompts: { prompt: string; seed: number; attributes: Record<string, string>; split: string }[];

  beforeAll(async () => {
    const r = await cli('study', '--model', 'public/models/toy', '--out', out, '--quick');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).report).toBe(file('report.md'));
    study = JSON.parse(readFileSync(file('study.json'), 'utf8'));
    prompts = JSON.parse(readFileSync(file(study.prompts), 'utf8'));
  }, 900_000);

  test('study.json has the issue\'s shape, every number in it is finite, and every file it names exists and parses', async () => {
    const hooks = Object.keys(study.hooks);
    expect(hooks).toEqual(['up_blocks.1.attentions.1']);
    for (const [path, v] of numbers(study)) expect(Number.isFinite(v), `${path} = ${v}`).toBe(true);
    const S = study.settings.recordSteps;
    for (const h of Object.values(study.hooks)) {
      expect(Object.keys(h.r2)).toEqual(['full', 'diagonal', 'identity']);
      for (const r2 of Object.values(h.r2)) {
        expect(r2.train).toHaveLength(S - 1);
        expect(r2.heldout).toHaveLength(S - 1);
      }
      expect(Object.keys(h.arms)).toEqual(ARMS);
      for (const arm of Object.values(h.arms)) {
        for (const key of ['fvu_x', 'fvu_z', 'fvu_x_per_step', 'l0', 'dead_percent', 'files', 'best_latents', 'steering']) expect(arm).toHaveProperty(key);
        expect(arm.fvu_x_per_step).toHaveLength(S);
        // Equal L0 per trajectory: k in every arm.
        expect(arm.l0).toBeCloseTo(study.settings.sae.k, 6);
        expect(arm.best_latents).toHaveLength(25);
        for (const b of arm.best_latents) expect(Object.keys(b)).toEqual(expect.arrayContaining(['attribute', 'value', 'latent', 'auroc']));
        expect(arm.values_at_threshold).toBe(arm.best_latents.filter((b) => b.auroc >= study.settings.steering.threshold).length);
        for (const e of arm.steering) expect(Object.keys(e)).toEqual(expect.arrayContaining(['attribute', 'value', 'latent', 'alpha', 'window', 'success_rate', 'side_effect_rate', 'efficiency']));
        const sae = await readSaeFile(await openAsBlob(file(arm.files.sae)));
        expect(sae.cfg.hook_name).toBe(hooks[0]);
        expect(sae.cfg.step_indices).toEqual(study.settings.record_calls);
        expect((await readDynamicsFile(await openAsBlob(file(arm.files.dynamics)))).S).toBe(S);
        expect((await readLatentStatistics(await openAsBlob(file(arm.files.stats)))).statistics.meanActivation).toHaveLength(study.settings.sae.latents);
        expect(existsSync(file(arm.files.steering_runs!))).toBe(true);
      }
    }
    const report = readFileSync(file('report.md'), 'utf8');
    expect(study.figures.length).toBeGreaterThanOrEqual(5);
    for (const figure of study.figures) {
      expect(report).toContain(`](${figure})`);
      const png = decodePng(readFileSync(file(figure)));
      expect(png.width * png.height).toBeGreaterThan(10_000);
    }
    expect(prompts).toHaveLength(study.images.total);
    expect(prompts.filter((p) => p.split === 'heldout')).toHaveLength(study.images.heldout);
  });

  test('FVU in x and z, overall and per step, equal what `eval --json` measures on the saved held-out file, dynamics and SAE of every arm', async () => {
    for (const h of Object.values(study.hooks)) {
      for (const [name, arm] of Object.entries(h.arms)) {
        const r = await cli('eval', '--traj', file(h.files.heldout), '--dynamics', file(arm.files.dynamics), '--sae', file(arm.files.sae), '--json');
        expect(r.code, r.stderr).toBe(0);
        const e = JSON.parse(r.stdout.trim());
        expect(e.tokens, name).toBe(study.images.heldout * h.height * h.width);
        // Different batching sums in another order: agreement to f32 accumulation.
        expect(e.fvu_x, name).toBeCloseTo(arm.fvu_x, 4);
        expect(e.fvu_z, name).toBeCloseTo(arm.fvu_z, 4);
        e.fvu_x_per_step.forEach((v: number, s: number) => expect(v, `${name} step ${s}`).toBeCloseTo(arm.fvu_x_per_step[s], 4));
        e.fvu_z_per_step.forEach((v: number, s: number) => expect(v, `${name} step ${s}`).toBeCloseTo(arm.fvu_z_per_step[s], 4));
        expect(e.l0).toBeCloseTo(arm.l0, 6);
        expect(e.dead_percent).toBeCloseTo(arm.dead_percent, 6);
      }
    }
  }, 900_000);

  test('each best latent\'s AUROC is the float64 AUROC of the saved image maxima, the highest of any latent; the maxima match a float64 CPU encoding', async () => {
    for (const h of Object.values(study.hooks)) {
      const reader = await TrajectoryReader.open(await openAsBlob(file(h.files.heldout)));
      const { P } = reader;
      for (const [name, arm] of Object.entries(h.arms)) {
        const saved = await SafetensorsFile.open(await openAsBlob(file(arm.files.activations)));
        const [Nh, m] = saved.info('image_max').shape;
        const imageMax = await saved.readF32('image_max');
        const images = new Uint32Array((await saved.readBytes('images')).slice().buffer);
        expect(Array.from(images)).toEqual(prompts.flatMap((p, n) => (p.split === 'heldout' ? [n] : [])));
        const column = (k: number) => Float64Array.from({ length: Nh }, (_, n) => imageMax[n * m + k]);
        for (const b of arm.best_latents) {
          const labels = Array.from(images, (n) => prompts[n].attributes[b.attribute] === b.value);
          expect(b.auroc, `${name} ${b.attribute}=${b.value}`).toBeCloseTo(pairwiseAuroc(column(b.latent), labels), 12);
          const best = Math.max(...Array.from({ length: m }, (_, k) => pairwiseAuroc(column(k), labels)));
          expect(b.auroc).toBeCloseTo(best, 12);
          expect(b.positives).toBe(labels.filter(Boolean).length);
        }
        // The maxima themselves, for a concat and a per-step arm, on three held-out images.
        if (name !== 'residualized-concat' && name !== 'per-step') continue;
        const dyn = await readDynamicsFile(await openAsBlob(file(arm.files.dynamics)));
        const sae = await readSaeFile(await openAsBlob(file(arm.files.sae)));
        for (const n of [0, 1, Nh - 1]) {
          const reference = imageMaxRef(await reader.readImages(n, n + 1), P, dyn, sae);
          const scale = Math.max(...reference);
          reference.forEach((v, k) => expect(Math.abs(imageMax[n * m + k] - v), `${name} image ${n} latent ${k}`).toBeLessThan(2e-3 * scale));
        }
      }
    }
  }, 600_000);

  test('every steering and ablation success the study counted is the probe\'s reading of the saved image, and the rates are those counts', async () => {
    configureWasm(1);
    const manifest = parseManifest(JSON.parse(readFileSync(join(toyDir, 'manifest.json'), 'utf8')), 'manifest.json');
    const probe = await ModelSession.create('probe', new Uint8Array(readFileSync(join(toyDir, 'probe', 'model.onnx'))), { provider: 'wasm' });
    let checked = 0;
    try {
      for (const h of Object.values(study.hooks)) {
        for (const arm of Object.values(h.arms)) {
          const runs: SteeringRun[] = JSON.parse(readFileSync(file(arm.files.steering_runs!), 'utf8'));
          expect(runs.length).toBe(arm.steering.reduce((s, e) => s + e.runs, 0) + arm.ablation.reduce((s, e) => s + e.runs, 0));
          for (const r of runs) {
            const reading = await readAttributes(probe, manifest, decodePng(readFileSync(file(r.file))));
            expect(reading[r.attribute].value, r.file).toBe(r.read);
            expect(r.success).toBe(r.kind === 'add' ? r.read === r.value : r.read !== r.value);
            checked++;
          }
          for (const e of arm.steering) {
            const group = runs.filter((r) => r.kind === 'add' && r.attribute === e.attribute && r.value === e.value && r.alpha === e.alpha && r.window_name === e.window_name);
            expect(e.runs).toBe(group.length);
            expect(e.success_rate).toBeCloseTo(group.filter((r) => r.success).length / group.length, 12);
            expect(e.side_effect_rate).toBeCloseTo(group.filter((r) => r.other_changed.length > 0).length / group.length, 12);
          }
          // Every setting ran: each α over the full window, and the early and late windows.
          const windows = new Set(arm.steering.map((e) => e.window_name));
          if (arm.steering.length > 0) expect([...windows].sort()).toEqual(['early', 'full', 'late']);
        }
      }
    } finally {
      await probe.release();
    }
    expect(checked).toBeGreaterThan(0);
  }, 300_000);
});
