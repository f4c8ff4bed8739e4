import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withoutModulePaths } from '../../diffusion/onnx/graph-builders';
import { UsageError } from '../usage-error';
import { hooks } from './hooks';

const UNSCOPED = join(__dirname, '..', '..', '..', 'models', 'sd15-arch', 'narrow', 'nmkd-unscoped');

/** What `hooks` printed to stdout. */
async function printed(argv: string[]): Promise<string> {
  const writes: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    writes.push(String(chunk));
    return true;
  });
  await hooks(argv);
  return writes.join('');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('hooks', () => {
  it("lists every SD 1.5 block of the unscoped stand-in (torch <= 1.12's node names) with the catalogue's shape", async () => {
    const manifest = JSON.parse(readFileSync(join(UNSCOPED, 'manifest.json'), 'utf8')) as { hooks: { path: string; channels: number; height: number; width: number; default?: boolean }[] };
    const rows = JSON.parse(await printed(['--model', UNSCOPED, '--json'])) as { path: string; shape: number[] | null; default: boolean; recordable: boolean }[];
    const recordable = rows.filter((r) => r.recordable);
    expect(recordable.map((r) => [r.path, r.shape, r.default])).toEqual(manifest.hooks.map((h) => [h.path, [h.channels, h.height, h.width], h.default === true]));
    expect(recordable.length).toBe(38);
    // The samplers are found too, but the manifest lists no shape for them.
    const samplers = [0, 1, 2].flatMap((i) => [`down_blocks.${i}.downsamplers.0`, `up_blocks.${i}.upsamplers.0`]);
    expect(rows.filter((r) => !r.recordable).map((r) => r.path).sort()).toEqual(samplers.sort());
    expect(await printed(['--model', UNSCOPED])).toMatch(/^up_blocks\.1\.attentions\.1\s+24 × 4 × 4\s+\(default\)$/m);
  });

  it('fails (a UsageError: exit 2) saying why when the graph has no hookable block', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hooks-bare-'));
    cpSync(UNSCOPED, dir, { recursive: true });
    const bare = withoutModulePaths(new Uint8Array(readFileSync(join(UNSCOPED, 'unet', 'model.onnx'))), { parameters: true });
    writeFileSync(join(dir, 'unet', 'model.onnx'), bare);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    manifest.unet.bytes = bare.length;
    delete manifest.unet.sha256;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const run = printed(['--model', dir]);
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(/^hooks: sd15-standin-narrow-nmkd-unscoped UNet has no block that can be hooked: its node names carry no UNet module paths .*, and none of its 686 parameters is named after a block/);
  });
});
