import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseVulkanDriver, findLavapipeIcd, SWIFTSHADER_ICD } from './node-env';
import { testGpu } from './test-gpu';
import { nodeDriver } from './node-gpu';

/** A folder of ICD manifests reporting these Vulkan versions (file name → api_version). */
function icdDir(manifests: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'icd-'));
  for (const [name, version] of Object.entries(manifests)) {
    writeFileSync(join(dir, name), JSON.stringify({ file_format_version: '1.0.0', ICD: { api_version: version, library_path: 'libvulkan_lvp.so' } }));
  }
  return dir;
}

describe('chooseVulkanDriver', () => {
  // Debian 12's own Mesa 22.3 (Dawn refuses it) and Mesa 25.0 from bookworm-backports, as installed.
  const old = icdDir({ 'lvp_icd.x86_64.json': '1.1.230' });
  const both = icdDir({ 'lvp_icd.json': '1.4.305', 'lvp_icd.x86_64.json': '1.1.230', 'radeon_icd.json': '1.4.305' });
  const none = icdDir({});
  const swiftshader = existsSync(SWIFTSHADER_ICD);

  it('picks a lavapipe new enough for Dawn, never an older one', () => {
    const rejected: string[] = [];
    expect(findLavapipeIcd(rejected, [old])).toBeNull();
    expect(rejected).toEqual([`${join(old, 'lvp_icd.x86_64.json')} (Vulkan 1.1.230; Dawn needs lavapipe ≥ 1.3, Mesa ≥ 23)`]);
    expect(findLavapipeIcd([], [old, both])).toBe(join(both, 'lvp_icd.json'));
  });

  it('unset: VK_ICD_FILENAMES if set, else lavapipe, else SwiftShader, else the system drivers', () => {
    expect(chooseVulkanDriver({ VK_ICD_FILENAMES: '/my/gpu.json' }, [both])).toEqual({ driver: 'custom', icd: '/my/gpu.json', automatic: false });
    expect(chooseVulkanDriver({}, [both])).toEqual({ driver: 'lavapipe', icd: join(both, 'lvp_icd.json'), automatic: true });
    expect(chooseVulkanDriver({}, [old])).toEqual(
      swiftshader ? { driver: 'swiftshader', icd: SWIFTSHADER_ICD, automatic: true } : { driver: 'system', icd: undefined, automatic: true },
    );
  });

  it('TRAJ_VULKAN forces a driver over VK_ICD_FILENAMES, and says what is missing', () => {
    const forced = (value: string, dirs = [both]) => chooseVulkanDriver({ TRAJ_VULKAN: value, VK_ICD_FILENAMES: '/my/gpu.json' }, dirs);
    expect(forced('lavapipe')).toEqual({ driver: 'lavapipe', icd: join(both, 'lvp_icd.json'), automatic: false });
    expect(forced('system')).toEqual({ driver: 'system', icd: undefined, automatic: false });
    if (swiftshader) expect(forced('swiftshader')).toEqual({ driver: 'swiftshader', icd: SWIFTSHADER_ICD, automatic: false });
    expect(() => forced('lavapipe', [old])).toThrow(/TRAJ_VULKAN=lavapipe, but no usable lavapipe is installed\. Found only: .*Vulkan 1\.1\.230.*bookworm-backports/);
    expect(() => forced('lavapipe', [none])).toThrow(/No lvp_icd\*\.json in /);
    expect(() => forced('llvmpipe')).toThrow(/TRAJ_VULKAN="llvmpipe" is unknown\. Should be one of: lavapipe, swiftshader, system/);
  });
});

it('the test GPU runs on the chosen driver', async () => {
  const ctx = await testGpu();
  const expected = { lavapipe: /llvmpipe/, swiftshader: /SwiftShader/ } as Record<string, RegExp>;
  const pattern = nodeDriver && expected[nodeDriver.driver];
  if (pattern) expect(ctx.summary.description).toMatch(pattern);
  // lavapipe offers shader-f16, SwiftShader does not: the f16 tests follow the adapter.
  if (nodeDriver?.driver === 'lavapipe') expect(ctx.hasF16).toBe(true);
  if (nodeDriver?.driver === 'swiftshader') expect(ctx.hasF16).toBe(false);
});
