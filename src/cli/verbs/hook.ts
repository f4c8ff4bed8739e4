import { existsSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { defaultHook } from '../../diffusion/manifest';
import { externalLocations, splitModel } from '../../diffusion/onnx/graph-bytes';
import { HookNotFoundError, hookUnet } from '../../diffusion/onnx/surgery';
import { saveParts } from '../files';
import { commandModelFiles, MODEL_HELP } from '../model';
import { optionalString, parseOptions, requiredString, type OptionSpec } from '../options';
import { note } from '../progress';
import { UsageError } from '../usage-error';

export const hookOptions: OptionSpec = {
  model: { type: 'string', help: MODEL_HELP },
  hook: { type: 'string', help: "UNet block to hook, e.g. up_blocks.1.attentions.1 (default: the manifest's default hook; `hooks` lists them)" },
  out: { type: 'string', help: 'the hooked UNet (.onnx) to write' },
};

/**
 * `hook`: writes the model's UNet hooked at one block, the graph the lab
 * builds in memory, for other tools (Python onnxruntime, Netron): the block's
 * raw activation as an extra output and a `steer_<hook>` input added to it.
 * For an external-data UNet only the small graph file is written: its weights
 * file keeps its name and must sit beside the output.
 */
export async function hook(argv: string[]): Promise<void> {
  const v = parseOptions('hook', argv, hookOptions);
  const spec = requiredString('hook', v, 'model');
  const out = requiredString('hook', v, 'out');
  const files = await commandModelFiles('hook', spec);
  const { manifest } = files;
  const hookPath = optionalString(v, 'hook') ?? defaultHook(manifest);
  if (!hookPath) throw new UsageError(`hook: ${manifest.name}'s manifest marks no default hook; pass --hook`);
  const unetFile = manifest.unet.file;
  if (!/^https?:\/\//i.test(spec) && resolve(out) === resolve(spec, unetFile)) throw new UsageError(`hook: --out ${out} is the input UNet itself; write elsewhere`);

  const bytes = await files.read(unetFile);
  const locations = [...externalLocations(splitModel(bytes, `${manifest.name} UNet`))];
  let hooked;
  try {
    hooked = hookUnet(bytes, hookPath, `${manifest.name} UNet`);
  } catch (error) {
    if (error instanceof HookNotFoundError) throw new UsageError(`hook: ${error.message}`);
    throw error;
  }
  await saveParts(out, hooked.parts);
  if (locations.length > 0) {
    const beside = locations.every((l) => existsSync(join(dirname(out), l)));
    const from = locations.map((l) => posix.join(posix.dirname(unetFile), l)).join(', ');
    note(`hook: external data: the weights stay in ${locations.map((l) => `"${l}"`).join(', ')} (unchanged); ${beside ? `already beside ${out}` : `put them beside ${out} under the same name (the model's ${from})`}`);
  }
  process.stdout.write(`${JSON.stringify({ out, hook: hookPath, steer_input: hooked.steerInput, raw_output: hooked.rawOutput, external_data: locations })}\n`);
}
