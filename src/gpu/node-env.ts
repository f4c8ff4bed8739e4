import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Which Vulkan driver Dawn uses in Node (tests, CLI, benches), chosen before
 * Dawn starts Vulkan: the loader reads VK_ICD_FILENAMES once, when an
 * instance is created. This file is also vitest's setup file, so the choice is
 * made before any test imports the `webgpu` package; node-gpu.ts makes the
 * same choice for the CLI.
 *
 * `TRAJ_VULKAN` forces one:
 *   lavapipe     Mesa's CPU driver (Mesa ≥ 23; Debian 12: mesa-vulkan-drivers
 *                from bookworm-backports, as .ci/run installs): ~3× faster
 *                than SwiftShader here, and it offers shader-f16;
 *   swiftshader  the CPU driver in Debian's chromium package, the one the
 *                browser tests use;
 *   system       whatever the Vulkan loader finds (a real GPU's driver).
 * Unset: VK_ICD_FILENAMES if set, else lavapipe when a new enough one is
 * installed, else SwiftShader when installed, else the system's drivers.
 */
export const VULKAN_DRIVER_ENV = 'TRAJ_VULKAN';
export const VULKAN_DRIVERS = ['lavapipe', 'swiftshader', 'system'] as const;
export type VulkanDriver = (typeof VULKAN_DRIVERS)[number];

/** Debian's Chromium ships SwiftShader's Vulkan driver here. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
/** Where Mesa installs ICD manifests: lvp_icd.json (Mesa 25) or lvp_icd.<arch>.json (Mesa 22). */
const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];
/**
 * Dawn needs Vulkan 1.1 features that lavapipe gained with its Vulkan 1.3
 * support (Mesa 23): Debian 12's own Mesa 22.3 lavapipe reports 1.1.230 and
 * Dawn refuses it ("shaderUniform*ArrayDynamicIndexing required"); Mesa 25.0
 * from bookworm-backports reports 1.4.305.
 */
const LAVAPIPE_MIN_API: [number, number] = [1, 3];

export interface VulkanChoice {
  /** 'custom': VK_ICD_FILENAMES was set by the caller and is kept. */
  driver: VulkanDriver | 'custom';
  /** The ICD manifest VK_ICD_FILENAMES is set to (undefined for 'system'). */
  icd: string | undefined;
  /** True when nothing was forced: node-gpu.ts may fall back to SwiftShader if Dawn rejects the driver. */
  automatic: boolean;
}

/** Mesa's lavapipe ICD manifest in `dirs` whose Vulkan version Dawn accepts, or null (the ones turned down, with why, in `rejected`). */
export function findLavapipeIcd(rejected: string[] = [], dirs: readonly string[] = ICD_DIRS): string | null {
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => /^lvp_icd(\..+)?\.json$/.test(n)).sort()) {
      const path = join(dir, name);
      const version = icdApiVersion(path);
      if (version && (version[0] > LAVAPIPE_MIN_API[0] || (version[0] === LAVAPIPE_MIN_API[0] && version[1] >= LAVAPIPE_MIN_API[1]))) return path;
      rejected.push(`${path} (Vulkan ${version ? version.join('.') : 'unknown'}; Dawn needs lavapipe ≥ ${LAVAPIPE_MIN_API.join('.')}, Mesa ≥ 23)`);
    }
  }
  return null;
}

function icdApiVersion(path: string): number[] | null {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { ICD?: { api_version?: string } };
    const parts = manifest.ICD?.api_version?.split('.').map(Number);
    return parts && parts.length >= 2 && parts.every(Number.isInteger) ? parts : null;
  } catch {
    return null;
  }
}

const LAVAPIPE_HELP =
  'On Debian 12: add bookworm-backports to apt\'s sources and `apt-get install -y -t bookworm-backports mesa-vulkan-drivers` (what .ci/run does).';

/** The driver `env` asks for (see the file comment). Throws an error naming the problem when a forced driver is missing. */
export function chooseVulkanDriver(env: NodeJS.ProcessEnv = process.env, icdDirs: readonly string[] = ICD_DIRS): VulkanChoice {
  const forced = env[VULKAN_DRIVER_ENV];
  if (forced !== undefined && forced !== '') {
    if (!(VULKAN_DRIVERS as readonly string[]).includes(forced)) {
      throw new RangeError(`${VULKAN_DRIVER_ENV}="${forced}" is unknown. Should be one of: ${VULKAN_DRIVERS.join(', ')}`);
    }
    if (forced === 'system') return { driver: 'system', icd: undefined, automatic: false };
    if (forced === 'swiftshader') {
      if (!existsSync(SWIFTSHADER_ICD)) throw new Error(`${VULKAN_DRIVER_ENV}=swiftshader, but ${SWIFTSHADER_ICD} is missing: \`apt-get install -y chromium libvulkan1\` provides it.`);
      return { driver: 'swiftshader', icd: SWIFTSHADER_ICD, automatic: false };
    }
    const rejected: string[] = [];
    const icd = findLavapipeIcd(rejected, icdDirs);
    if (!icd) {
      const found = rejected.length ? ` Found only: ${rejected.join('; ')}.` : ` No lvp_icd*.json in ${icdDirs.join(' or ')}.`;
      throw new Error(`${VULKAN_DRIVER_ENV}=lavapipe, but no usable lavapipe is installed.${found} ${LAVAPIPE_HELP}`);
    }
    return { driver: 'lavapipe', icd, automatic: false };
  }
  if (env.VK_ICD_FILENAMES) return { driver: 'custom', icd: env.VK_ICD_FILENAMES, automatic: false };
  const lavapipe = findLavapipeIcd([], icdDirs);
  if (lavapipe) return { driver: 'lavapipe', icd: lavapipe, automatic: true };
  if (existsSync(SWIFTSHADER_ICD)) return { driver: 'swiftshader', icd: SWIFTSHADER_ICD, automatic: true };
  return { driver: 'system', icd: undefined, automatic: true };
}

let applied: { choice: VulkanChoice } | { error: unknown } | undefined;

/**
 * The process's choice, made once: points VK_ICD_FILENAMES at it (before Dawn
 * starts Vulkan) and returns it; throws the same error on every call if a
 * forced driver is missing.
 */
export function vulkanDriver(): VulkanChoice {
  if (!applied) {
    try {
      const choice = chooseVulkanDriver(process.env);
      if (choice.icd) process.env.VK_ICD_FILENAMES = choice.icd;
      else if (choice.driver === 'system') delete process.env.VK_ICD_FILENAMES;
      // llvmpipe's 4-wide SIMD instead of 8-wide (AVX2): about half the JIT time of each pipeline and, at
      // the bench and test sizes, the same run time (kernel tests on a cold shader cache: 153 s → 68 s).
      if (choice.driver === 'lavapipe') process.env.LP_NATIVE_VECTOR_WIDTH ??= '128';
      applied = { choice };
    } catch (error) {
      applied = { error };
    }
  }
  if ('error' in applied) throw applied.error;
  return applied.choice;
}

// vitest setup: choose before any test file imports `webgpu`. A missing forced
// driver is reported by the first nodeGpu() (every GPU test fails with it).
try {
  vulkanDriver();
} catch {}
