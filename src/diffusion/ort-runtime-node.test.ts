/**
 * onnxruntime-web's WebGPU provider in Node, on Dawn (lavapipe here): the
 * toy UNet's out_sample on the WebGPU provider equals the wasm provider's
 * (CPU kernels, an independent implementation) within float32 rounding.
 * Slow: the first WebGPU run compiles every shader on a CPU Vulkan driver.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../gpu/random';
import { nodeDawn } from '../gpu/node-gpu';
import { configureWasm, ModelSession, ortGpuDevice, useOrtBuild, type Feed } from './ort-runtime';
import { useNodeWebGpu } from './ort-runtime-node';

const unetFile = join(__dirname, '..', '..', 'public', 'models', 'toy', 'unet', 'model.onnx');

beforeAll(async () => {
  await useNodeWebGpu(await nodeDawn());
  configureWasm(1);
});

function feeds(): Record<string, Feed> {
  const random = seededRandom(7);
  return {
    sample: { data: gaussianArray(2 * 4 * 16 * 16, random), dims: [2, 4, 16, 16] },
    timestep: { data: [981, 41], dims: [2] },
    encoder_hidden_states: { data: gaussianArray(2 * 77 * 64, random), dims: [2, 77, 64] },
  };
}

describe("onnxruntime-web's WebGPU provider on Dawn", () => {
  it("gives the toy UNet's out_sample of the wasm provider", { timeout: 600_000 }, async () => {
    const model = new Uint8Array(readFileSync(unetFile));
    const wasm = await ModelSession.create('UNet', model, { provider: 'wasm' });
    const webgpu = await ModelSession.create('UNet', model, { provider: 'webgpu' });
    const expected = (await wasm.run(feeds(), ['out_sample'])).out_sample;
    const actual = (await webgpu.run(feeds(), ['out_sample'])).out_sample;
    expect(actual.dims).toEqual([2, 4, 16, 16]);
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < expected.data!.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(actual.data![i] - expected.data![i]));
      maxAbs = Math.max(maxAbs, Math.abs(expected.data![i]));
    }
    expect(maxAbs).toBeGreaterThan(0.1);
    // Measured 3.8e-6 on lavapipe (different summation orders, f32).
    expect(maxDiff).toBeLessThan(1e-4);
    // ORT's device exists now: our kernels can share it.
    expect((await ortGpuDevice()).queue).toBeDefined();
    await wasm.release();
    await webgpu.release();
  });

  it('refuses to switch builds once a session exists', () => {
    expect(() => useOrtBuild({} as never)).toThrow(/before the first session/);
  });
});
