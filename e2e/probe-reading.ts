/**
 * The toy model's attribute probe on a PNG the page exported, run in Node
 * (onnxruntime-web's wasm provider): the reference for the Steer page's probe
 * table. Run with vite-node:
 *   probe-reading.ts MODEL_DIR IMAGE.png  → one JSON line {attribute: {value, probabilities}}
 */
import { readFile } from 'node:fs/promises';
import { readAttributes } from '../src/diffusion/attribute-probe';
import { configureWasm, ModelSession } from '../src/diffusion/ort-runtime';
import { openModelSource } from '../src/diffusion/sources/node';
import { readPng } from './read-png';

const [modelDir, pngPath] = process.argv.slice(2);
configureWasm(1);
const files = await openModelSource(modelDir);
const spec = files.manifest.probe;
if (!spec) throw new Error(`${files.manifest.name} has no attribute probe`);
const probe = await ModelSession.create('attribute probe', await files.read(spec.file), { provider: 'wasm' });
const png = readPng(await readFile(pngPath));
const image = { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
process.stdout.write(`${JSON.stringify(await readAttributes(probe, files.manifest, image))}\n`);
await probe.release();
process.exit(0);
