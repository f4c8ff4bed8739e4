import { describe, expect, it } from 'vitest';
import { BindGroupCache } from './bind-group-cache';
import { testGpu } from './test-gpu';

describe('BindGroupCache', () => {
  it('gives the same bind group for the same layout and ranges, a new one for any other, and forgets the least recently used', async () => {
    const { device } = await testGpu();
    const layout = device.createBindGroupLayout({
      entries: [0, 1].map((binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' as const } })),
    });
    const usage = GPUBufferUsage.STORAGE;
    const [a, b, c] = [0, 1, 2].map(() => device.createBuffer({ size: 512, usage }));
    const entries = (x: GPUBuffer, y: GPUBuffer, offset = 0) => [
      { binding: 0, resource: { buffer: x } },
      { binding: 1, resource: { buffer: y, offset, size: 64 } },
    ];
    const cache = new BindGroupCache(device, 2);
    const ab = cache.get(layout, entries(a, b), 'ab');
    expect(cache.get(layout, entries(a, b), 'ab')).toBe(ab);
    // Another buffer, another range: new bind groups.
    const ac = cache.get(layout, entries(a, c), 'ac');
    expect(ac).not.toBe(ab);
    expect(cache.get(layout, entries(a, b, 256), 'ab256')).not.toBe(ab);
    // Capacity 2: a, b at offset 0 was the least recently used and is gone; a, c stays.
    expect(cache.get(layout, entries(a, c), 'ac')).toBe(ac);
    expect(cache.get(layout, entries(a, b), 'ab')).not.toBe(ab);
    for (const buffer of [a, b, c]) buffer.destroy();
  });
});
