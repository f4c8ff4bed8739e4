import { splitModel } from '../../diffusion/onnx/graph-bytes';
import { findUnetHooks, whyNoHooks } from '../../diffusion/onnx/hooks';
import { commandModelFiles, MODEL_HELP } from '../model';
import { parseOptions, requiredString, type OptionSpec } from '../options';
import { UsageError } from '../usage-error';

export const hooksOptions: OptionSpec = {
  model: { type: 'string', help: MODEL_HELP },
  json: { type: 'boolean', help: 'print a JSON array instead of a table' },
};

/** `hooks`: the UNet's hookable blocks with their output shapes (C × H × W), the default marked; none found is an error that says why. */
export async function hooks(argv: string[]): Promise<void> {
  const v = parseOptions('hooks', argv, hooksOptions);
  const spec = requiredString('hooks', v, 'model');
  const files = await commandModelFiles('hooks', spec);
  const what = `${files.manifest.name} UNet`;
  const model = splitModel(await files.read(files.manifest.unet.file), what);
  const found = findUnetHooks(model);
  if (found.length === 0) throw new UsageError(`hooks: ${what} has no block that can be hooked: ${whyNoHooks(model)}`);
  const catalogue = new Map((files.manifest.hooks ?? []).map((h) => [h.path, h]));
  const rows = found.map((h) => {
    const known = catalogue.get(h.path);
    const shape = known ? [known.channels, known.height, known.width] : h.shape;
    // collect, steer and the page record only the manifest's blocks (their shapes are what the trajectory file stores).
    const recordable = !files.manifest.hooks || known !== undefined;
    return { path: h.path, output: h.output, shape, default: known?.default === true, recordable };
  });
  if (v.json === true) {
    process.stdout.write(`${JSON.stringify(rows)}\n`);
    return;
  }
  const width = Math.max(...rows.map((r) => r.path.length));
  for (const r of rows) {
    const shape = r.shape ? r.shape.join(' × ') : 'shape unknown';
    const note = r.default ? '  (default)' : r.recordable ? '' : "  (not in the manifest's hooks: cannot be recorded)";
    process.stdout.write(`${r.path.padEnd(width)}  ${shape}${note}\n`);
  }
}
