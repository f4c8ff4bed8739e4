import { describe, expect, test } from 'vitest';
import { trackBufferBytes } from './buffer-bytes';
import { testGpu } from './test-gpu';

describe('trackBufferBytes', () => {
  test('counts live bytes and their peak as buffers are created and destroyed (twice destroyed counts once)', async () => {
    const ctx = await testGpu();
    const bytes = trackBufferBytes(ctx.device);
    try {
      const a = ctx.createBuffer(4096, 'a');
      const b = ctx.createBuffer(1000, 'b');
      expect([bytes.live, bytes.peak]).toEqual([5096, 5096]);
      a.destroy();
      a.destroy();
      expect([bytes.live, bytes.peak]).toEqual([1000, 5096]);
      bytes.resetPeak();
      const c = ctx.createBuffer(256, 'c');
      expect([bytes.live, bytes.peak]).toEqual([1256, 1256]);
      b.destroy();
      c.destroy();
      expect(bytes.live).toBe(0);
    } finally {
      bytes.stop();
    }
    const untracked = ctx.createBuffer(64, 'untracked');
    expect(bytes.live).toBe(0);
    untracked.destroy();
  });
});
