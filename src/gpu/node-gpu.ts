import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuContext } from './context';
import { NoWebGpuError } from './errors';

/** Debian's Chromium ships SwiftShader's Vulkan driver here; Dawn uses it when no GPU driver is set. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Dawn's GPU object must stay referenced for the life of the process: once it
 * is garbage-collected Dawn crashes ("The futex facility returned an
 * unexpected error code"), so it lives in module scope.
 */
let dawn: GPU | undefined;

/**
 * A GpuContext in Node through Dawn (the `webgpu` npm package). Uses the
 * Vulkan driver named by VK_ICD_FILENAMES, else SwiftShader from Debian's
 * Chromium when installed.
 */
export async function nodeGpu(): Promise<GpuContext> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  // Without a runtime dir (CI, cron, root shells) the Vulkan stack prints "error: XDG_RUNTIME_DIR is
  // invalid" on every start, which would drown the CLI's one-line errors; a private 0700 dir quiets it.
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'trajectory-lab-runtime-'));
  if (!dawn) {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    dawn = create([]);
  }
  const adapter = await dawn.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new NoWebGpuError(
      `Dawn found no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}). ` +
        'Install a Vulkan driver: on Debian `apt-get install -y chromium libvulkan1` provides SwiftShader at ' +
        `${SWIFTSHADER_ICD}, or point VK_ICD_FILENAMES at your GPU's ICD file.`,
    );
  }
  return GpuContext.fromAdapter(adapter);
}
