/**
 * One measurement for sd15-standin.scale.test.ts, in a process of its own so
 * that its peak resident memory is this layout's alone (and so that a wasm
 * heap, which never shrinks, starts empty):
 *
 *   vite-node src/diffusion/sd15-standin.scale-probe.ts -- <model folder> <hook> <image size> <model|unet>
 *
 * Loads on the wasm provider, hooked at <hook>, the whole model as the lab
 * does (`model`: loadDiffusionModel) or its UNet alone (`unet`: loadUnet,
 * the loader's first step), runs one guided UNet call (batch 2) at <image
 * size>, and prints one JSON line: load and call seconds, the hooks the
 * graph lists, peak RSS, or the error that stopped it.
 */
import { testGpu } from '../gpu/test-gpu';
import { loadDiffusionModel, loadUnet } from './diffusion-model';
import { findUnetHooks } from './onnx/hooks';
import { splitModel } from './onnx/graph-bytes';
import { configureWasm } from './ort-runtime';
import { openModelSource } from './sources/node';

const [dir, hook, sizeArg, what] = process.argv.slice(2).filter((a) => a !== '--');
const imageSize = Number(sizeArg);
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const result: Record<string, unknown> = { dir, hook, imageSize, loaded: what };
let stage = 'open';
try {
  configureWasm(1);
  const files = await openModelSource(dir);
  const { manifest } = files;
  stage = 'list hooks';
  result.unetFileBytes = await files.size(manifest.unet.file);
  result.hooks = findUnetHooks(splitModel(await files.read(manifest.unet.file), 'UNet')).map((h) => h.path);
  result.rssAfterListBytes = peakRss();
  stage = 'load';
  let started = performance.now();
  const model = what === 'unet' ? await loadUnet(files, { provider: 'wasm', hook }) : await loadDiffusionModel(files, { provider: 'wasm', hook, gpu: testGpu });
  result.loadSeconds = (performance.now() - started) / 1000;
  result.rssAfterLoadBytes = peakRss();
  stage = 'UNet call';
  const latent = imageSize / manifest.vaeScaleFactor;
  const scale = imageSize / manifest.imageSize;
  const entry = manifest.hooks!.find((h) => h.path === hook)!;
  const steerDims = [2, entry.channels, Math.max(1, Math.round(entry.height * scale)), Math.max(1, Math.round(entry.width * scale))];
  const context = manifest.textEncoder.contextLength;
  const feeds = {
    sample: { data: new Float32Array(2 * manifest.latentChannels * latent * latent).fill(0.5), dims: [2, manifest.latentChannels, latent, latent] },
    timestep: { data: [421, 421], dims: [2] },
    encoder_hidden_states: { data: new Float32Array(2 * context * manifest.textEncoder.hiddenSize).fill(0.1), dims: [2, context, manifest.textEncoder.hiddenSize] },
    [model.hook!.steerInput]: { data: new Float32Array(steerDims.reduce((a, b) => a * b)), dims: steerDims },
  };
  started = performance.now();
  const out = await model.unet.run(feeds, ['out_sample', model.hook!.rawOutput]);
  result.unetCallSeconds = (performance.now() - started) / 1000;
  result.outSampleFinite = out.out_sample.data!.every(Number.isFinite);
  result.hookDims = out[model.hook!.rawOutput].dims;
  out.out_sample.dispose();
  await model.unet.release();
} catch (error) {
  result.error = `${stage}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 500);
}
result.peakRssBytes = peakRss();
console.log(`PROBE ${JSON.stringify(result)}`);
process.exit(0);
