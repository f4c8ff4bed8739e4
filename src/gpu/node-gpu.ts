import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GpuContext } from './context';
import { NoWebGpuError } from './errors';
import { SWIFTSHADER_ICD, VULKAN_DRIVER_ENV, vulkanDriver, type VulkanChoice } from './node-env';

/**
 * Dawn's GPU objects must stay referenced for the life of the process: once
 * one is garbage-collected Dawn crashes ("The futex facility returned an
 * unexpected error code"), so they live in module scope. One per Vulkan ICD
 * tried: the loader reads VK_ICD_FILENAMES when an instance is created.
 */
const dawns: GPU[] = [];
let dawn: GPU | undefined;

/** The driver the current Dawn instance runs on (after any fallback): tests and benches print it. */
export let nodeDriver: VulkanChoice | undefined;

/**
 * A GpuContext in Node through Dawn (the `webgpu` npm package), on the Vulkan
 * driver node-env.ts chooses: `TRAJ_VULKAN` if set, else VK_ICD_FILENAMES if
 * set, else Mesa's lavapipe where a new enough one is installed, else
 * SwiftShader from Debian's Chromium. An automatic lavapipe that Dawn turns
 * down falls back to SwiftShader.
 */
export async function nodeGpu(): Promise<GpuContext> {
  const ctx = await GpuContext.fromAdapter(await nodeAdapter());
  // Dawn's Node bindings make createComputePipelineAsync slower than sync here (pipelines.ts `compileAsync`).
  ctx.pipelines.compileAsync = false;
  return ctx;
}

/**
 * Dawn's `GPU` object, the one nodeGpu's adapters come from, after the same
 * driver choice and fallback: what navigator.gpu is in Node for
 * onnxruntime-web's WebGPU provider (diffusion/ort-runtime-node.ts).
 */
export async function nodeDawn(): Promise<GPU> {
  await nodeAdapter();
  return dawn!;
}

async function nodeAdapter(): Promise<GPUAdapter> {
  const choice = vulkanDriver();
  // Without a runtime dir (CI, cron, root shells) the Vulkan stack prints "error: XDG_RUNTIME_DIR is
  // invalid" on every start, which would drown the CLI's one-line errors; a private 0700 dir quiets it.
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'trajectory-lab-runtime-'));
  const { create, globals } = await import('webgpu');
  if (!dawn) {
    Object.assign(globalThis, globals);
    dawn = create([]);
    dawns.push(dawn);
    nodeDriver = choice;
  }
  let adapter = await dawn.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter && choice.automatic && choice.driver === 'lavapipe') {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    dawn = create([]);
    dawns.push(dawn);
    nodeDriver = { driver: 'swiftshader', icd: SWIFTSHADER_ICD, automatic: true };
    adapter = await dawn.requestAdapter({ powerPreference: 'high-performance' });
  }
  if (!adapter) {
    throw new NoWebGpuError(
      `Dawn found no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}, ${VULKAN_DRIVER_ENV}=${process.env[VULKAN_DRIVER_ENV] ?? 'unset'}). ` +
        'Install a Vulkan driver: on Debian `apt-get install -y chromium libvulkan1` provides SwiftShader at ' +
        `${SWIFTSHADER_ICD}; Mesa's lavapipe (mesa-vulkan-drivers ≥ 23, from bookworm-backports on Debian 12) is faster; ` +
        `or point VK_ICD_FILENAMES at your GPU's ICD file (${VULKAN_DRIVER_ENV}=system uses whatever the loader finds).`,
    );
  }
  return adapter;
}
