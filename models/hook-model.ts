/**
 * `npm run model:hook -- --model DIR --hook PATH --out FILE` writes DIR's
 * UNet hooked at one block (DESIGN §3: raw activation as an extra output,
 * `steer_<hook>` input added to it); `--list` prints the hook catalogue.
 * The UNet is manifest.json's `unet.file`, or unet/model.onnx without a
 * manifest. For an external-data UNet only the small graph file is written:
 * its weights file keeps its name and must sit beside the output.
 * Bad input: one line on stderr, exit code 2.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { externalLocations, splitModel } from '../src/diffusion/onnx/graph-bytes';
import { listUnetHooks } from '../src/diffusion/onnx/hooks';
import { hookUnet } from '../src/diffusion/onnx/surgery';

const USAGE = 'usage: npm run model:hook -- --model DIR (--list | --hook PATH --out FILE)';

class UsageError extends Error {}

/** The UNet graph's path inside `dir`, and the catalogue's [C, H, W] by hook path when the manifest has one. */
function locateUnet(dir: string): { file: string; shapes: Map<string, number[]> } {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    const file = join(dir, 'unet', 'model.onnx');
    if (!existsSync(file)) throw new UsageError(`--model ${dir}: neither manifest.json nor unet/model.onnx is there`);
    return { file, shapes: new Map() };
  }
  let manifest: { unet?: { file?: unknown }; hooks?: { path: string; channels: number; height: number; width: number }[] };
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`${manifestPath} is not JSON: ${(error as Error).message}`);
  }
  if (typeof manifest.unet?.file !== 'string') throw new UsageError(`${manifestPath}: unet.file is missing`);
  const file = join(dir, manifest.unet.file);
  if (!existsSync(file)) throw new UsageError(`${manifestPath}: unet.file "${manifest.unet.file}" does not exist`);
  return { file, shapes: new Map((manifest.hooks ?? []).map((h) => [h.path, [h.channels, h.height, h.width]])) };
}

function main(argv: string[]): void {
  let values;
  try {
    values = parseArgs({ args: argv, options: { model: { type: 'string' }, hook: { type: 'string' }, out: { type: 'string' }, list: { type: 'boolean' } }, strict: true }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}; ${USAGE}`);
  }
  if (!values.model) throw new UsageError(`--model is required; ${USAGE}`);
  const { file, shapes } = locateUnet(values.model);
  const bytes = new Uint8Array(readFileSync(file));

  if (values.list) {
    const hooks = listUnetHooks(splitModel(bytes, file).graph);
    const rows = hooks.map((h) => {
      const shape = shapes.get(h.path) ?? h.shape;
      return [h.path, shape ? shape.join('×') : 'shape unknown', h.output];
    });
    const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c].length)));
    for (const [path, shape, output] of rows) process.stdout.write(`${path.padEnd(widths[0])}  ${shape.padEnd(widths[1])}  ${output}\n`);
    return;
  }
  if (!values.hook || !values.out) throw new UsageError(`--hook and --out are required without --list; ${USAGE}`);
  if (resolve(values.out) === resolve(file)) throw new UsageError(`--out ${values.out} is the input UNet itself; write elsewhere`);
  const hooked = hookUnet(bytes, values.hook, file);
  // Part by part: the weights are views into the input, never copied into one more buffer.
  const fd = openSync(values.out, 'w');
  try {
    for (const part of hooked.parts) writeSync(fd, part);
  } finally {
    closeSync(fd);
  }
  process.stdout.write(`${values.out}: hooked at ${values.hook}; input ${hooked.steerInput}, output ${hooked.rawOutput}\n`);
  const locations = [...externalLocations(splitModel(bytes, file))];
  if (locations.length > 0) {
    const same = resolve(dirname(values.out)) === resolve(dirname(file));
    process.stdout.write(
      `external data: the weights stay in ${locations.map((l) => `"${l}"`).join(', ')} (unchanged); ` +
        (same ? `it is already beside ${basename(values.out)}\n` : `put it beside ${values.out} under the same name (from ${dirname(file)})\n`),
    );
  }
}

try {
  main(process.argv.slice(2).filter((a) => a !== '--'));
} catch (error) {
  process.stderr.write(`model:hook: ${(error as Error).message}\n`);
  process.exitCode = 2;
}
