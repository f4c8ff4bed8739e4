/**
 * The full-size SD 1.5 stand-in (models/sd15-arch, random weights, SD 1.5's
 * parameter count: 1.72 GB of fp16 UNet weights) in Node, on demand
 * (`npm run test:scale`):
 *  - the guard refuses it on the wasm provider at 512 px before any load;
 *  - its UNet loads in both layouts, nmkd's external data and a single file
 *    (the same graph with its weights inline, as webnn's export ships),
 *    through the lab's loader (loadUnet), lists its hooks and runs one guided
 *    call at 64 px on wasm; each layout in a process of its own
 *    (sd15-standin.scale-probe.ts), which prints load time, seconds per call
 *    and peak resident memory;
 *  - the single file never costs a second copy of the UNet: its peak RSS is
 *    within a fraction of the file's size of the external layout's;
 *  - the whole model does not fit one wasm heap even at 64 px: the text
 *    encoder's session fails after the UNet's, as the guard predicts.
 *
 * SD15_STANDIN_DIR: a folder written by `npm run model:sd15-standin -- --size
 * full --out DIR --layouts nmkd` (its nmkd/ is used); without it the test
 * writes one to the OS temp dir (needs /usr/bin/python3 with torch 1.13 and
 * onnx; measured: 8 to 13.5 minutes and 10.4 GiB peak RSS on 2 cores).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseManifest, type ModelManifest } from './manifest';
import { modelFitProblems, wasmHeapEstimate } from './model-fit';

const root = join(__dirname, '..', '..');
const out = process.env.SD15_STANDIN_DIR ?? join(tmpdir(), 'sd15-standin-full');
const external = join(out, 'nmkd');
const single = join(out, 'nmkd-single-file');
const HOOK = 'up_blocks.1.attentions.1';
const SMALLEST = 64;
const GiB = 2 ** 30;
const RSS_NOISE = 64 * 2 ** 20;
const report = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

/** The nmkd layout with the UNet's weights inline in unet/model.onnx; the other files hard-linked. */
function writeSingleFile(): void {
  if (existsSync(join(single, 'manifest.json'))) return;
  rmSync(single, { recursive: true, force: true });
  for (const d of ['unet', 'text_encoder', 'vae_decoder', 'tokenizer', 'scheduler']) mkdirSync(join(single, d), { recursive: true });
  for (const f of ['text_encoder/model.onnx', 'vae_decoder/model.onnx', 'tokenizer/tokenizer.json', 'scheduler/scheduler_config.json']) linkSync(join(external, f), join(single, f));
  execFileSync('/usr/bin/python3', ['-c', 'import onnx, sys; onnx.save_model(onnx.load(sys.argv[1]), sys.argv[2])', join(external, 'unet/model.onnx'), join(single, 'unet/model.onnx')], { stdio: 'inherit' });
  const manifest = JSON.parse(readFileSync(join(external, 'manifest.json'), 'utf8'));
  manifest.name += '-single-file';
  manifest.unet = { file: 'unet/model.onnx', bytes: statSync(join(single, 'unet/model.onnx')).size, timestepDtype: manifest.unet.timestepDtype, timestepShape: manifest.unet.timestepShape };
  writeFileSync(join(single, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

/** Runs the probe on `dir` in a child process, loading the whole model or its UNet alone; its JSON line. */
function probe(dir: string, what: 'model' | 'unet'): Record<string, any> {
  const run = spawnSync(join(root, 'node_modules/.bin/vite-node'), [join(__dirname, 'sd15-standin.scale-probe.ts'), '--', dir, HOOK, String(SMALLEST), what], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const line = run.stdout.split('\n').find((l) => l.startsWith('PROBE '));
  if (!line) throw new Error(`the probe on ${dir} printed no result (exit ${run.status}, signal ${run.signal}):\n${run.stderr.slice(-2000)}`);
  return JSON.parse(line.slice('PROBE '.length));
}

let manifest: ModelManifest;
const sizes = (m: ModelManifest) => (path: string) => m.files[path]?.bytes ?? null;

beforeAll(() => {
  if (!existsSync(join(external, 'manifest.json'))) {
    execFileSync('npm', ['run', 'model:sd15-standin', '--', '--size', 'full', '--out', out, '--layouts', 'nmkd'], { cwd: root, stdio: 'inherit' });
  }
  manifest = parseManifest(JSON.parse(readFileSync(join(external, 'manifest.json'), 'utf8')), external);
  writeSingleFile();
}, 4 * 3600_000);

describe('the full-size SD 1.5 stand-in on wasm', () => {
  test('the guard refuses it on the wasm provider at 512 px, before any load, and says what to do', () => {
    const problems = modelFitProblems({ manifest, provider: 'wasm', adapter: null, fileBytes: sizes(manifest), imageSize: 512 });
    expect(problems.map((p) => p.check)).toEqual(['wasm-memory']);
    report({ case: 'guard', imageSize: 512, message: problems[0].message, fix: problems[0].fix, estimate: wasmHeapEstimate(manifest, sizes(manifest), 512) });
    report({ case: 'guard', imageSize: SMALLEST, estimate: wasmHeapEstimate(manifest, sizes(manifest), SMALLEST) });
  });

  test('its UNet loads in both layouts, lists hooks and runs one guided call at 64 px; the single file never holds two copies', () => {
    const unetBytes = statSync(join(single, 'unet/model.onnx')).size;
    const results = { external: probe(external, 'unet'), single: probe(single, 'unet') };
    for (const [layout, r] of Object.entries(results)) {
      report({ case: 'probe', layout, ...r, hooks: r.hooks?.length, peakRssGiB: r.peakRssBytes / GiB });
    }
    const entry = manifest.hooks!.find((h) => h.path === HOOK)!;
    const side = (entry.height * SMALLEST) / manifest.imageSize;
    for (const r of Object.values(results)) {
      // Every block of the catalogue (resnets and attentions); the graph also offers the down- and upsamplers.
      expect(r.hooks).toEqual(expect.arrayContaining(manifest.hooks!.map((h) => h.path)));
      expect(r.error).toBeUndefined();
      expect(r.outSampleFinite).toBe(true);
      // The hook's activation at 64 px: the catalogue's channels, its side scaled from imageSize (SD 1.5: 1280 × 2 × 2).
      expect(r.hookDims).toEqual([2, entry.channels, side, side]);
    }
    // The single file's peak stays within half a UNet of the external layout's: one copy of the
    // weights, not two. Two runs of the same process differ by tens of MB, hence the floor for small stand-ins.
    expect(results.single.peakRssBytes).toBeLessThan(results.external.peakRssBytes + Math.max(0.5 * unetBytes, RSS_NOISE));
  });

  test('the whole model, loaded as the lab loads it, does not fit one wasm heap (what the guard says before any download)', () => {
    const r = probe(external, 'model');
    report({ case: 'probe', layout: 'external', ...r, hooks: r.hooks?.length, peakRssGiB: r.peakRssBytes / GiB });
    // The guard's estimate at 64 px is over the heap's 4 GiB; if ORT ever fits it, the estimate is what is wrong.
    expect(wasmHeapEstimate(manifest, sizes(manifest), SMALLEST).total).toBeGreaterThan(4 * GiB);
    expect(r.error).toMatch(/^load: text encoder: .*bad_alloc/);
  });
});
