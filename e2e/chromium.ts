import { chromium, type Browser, type LaunchOptions } from '@playwright/test';

/**
 * Debian's Chromium: Playwright's own browser download is not used, so tests and
 * benchmarks run the same browser on a developer machine and in CI.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Flags that give headless Chromium a WebGPU adapter on Linux, with or without a GPU.
 * Checked with Chromium 156 headless on a GPU-less machine: without
 * --enable-unsafe-webgpu `requestAdapter()` returns null (WebGPU is not on by
 * default on Linux); --use-webgpu-adapter=swiftshader pins Dawn's SwiftShader
 * (CPU Vulkan) adapter so every machine measures the same thing;
 * --enable-features=Vulkan is not needed for it. --no-sandbox because CI runs
 * as root, where Chromium refuses to start sandboxed. The rest keep a test
 * browser offline and quiet (no updates, sync or first-run work).
 */
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  ...gpuArgs(),
  '--no-sandbox',
  // Containers often give /dev/shm only 64 MiB, too little for Chromium's shared memory; use /tmp.
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * The adapter's flags: SwiftShader by default; with TRAJ_CHROMIUM_GPU=1 (a machine with a GPU, as
 * `gpu:check` runs the peer benchmarks) Dawn's Vulkan backend on the GPU's own driver, which headless
 * Chromium on Linux only offers with the Vulkan feature on and the GPU blocklist ignored.
 */
function gpuArgs(): string[] {
  if (process.env.TRAJ_CHROMIUM_GPU === '1') return ['--enable-features=Vulkan', '--ignore-gpu-blocklist'];
  return ['--use-webgpu-adapter=swiftshader'];
}

/** Launch options for Playwright (`use.launchOptions` in playwright.config.ts, or `chromium.launch`). */
export function chromiumLaunchOptions(): LaunchOptions {
  return { executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true };
}

/** A headless Chromium with WebGPU (benchmarks and scripts outside Playwright Test). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch(chromiumLaunchOptions());
}
