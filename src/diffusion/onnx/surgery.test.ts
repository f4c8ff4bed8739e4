import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { equals, fromBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../../gpu/random';
import { ModelProtoSchema } from './gen/onnx_pb';
import { concatParts, joinModel, splitModel } from './graph-bytes';
import { listUnetHooks } from './hooks';
import { hookUnet } from './surgery';

const toy = join(__dirname, '..', '..', '..', 'public', 'models', 'toy');
const manifest = JSON.parse(readFileSync(join(toy, 'manifest.json'), 'utf8'));
const single = new Uint8Array(readFileSync(join(toy, 'unet', 'model.onnx')));
const externalGraph = new Uint8Array(readFileSync(join(toy, 'unet_external', 'model.onnx')));
const externalData = new Uint8Array(readFileSync(join(toy, 'unet_external', 'model.onnx_data')));
const HOOK = 'up_blocks.1.attentions.1';
const entry = manifest.hooks.find((h: { path: string }) => h.path === HOOK);
const [C, H, W] = [entry.channels, entry.height, entry.width] as number[];

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

const random = seededRandom(17);
function feeds(extra: Record<string, ort.Tensor> = {}): Record<string, ort.Tensor> {
  return {
    sample: new ort.Tensor('float32', gaussianArray(2 * 4 * 16 * 16, random), [2, 4, 16, 16]),
    timestep: new ort.Tensor('int64', BigInt64Array.from([501n, 501n]), [2]),
    encoder_hidden_states: new ort.Tensor('float32', gaussianArray(2 * 77 * 64, random), [2, 77, 64]),
    ...extra,
  };
}

describe('listUnetHooks', () => {
  it("finds every block of the toy model's hook catalogue, with the catalogue's output tensor", () => {
    const found = new Map(listUnetHooks(splitModel(single, 'toy UNet').graph).map((h) => [h.path, h.output]));
    for (const h of manifest.hooks) expect(found.get(h.path), h.path).toBe(h.onnxOutput);
    // The samplers are blocks too, though the catalogue leaves them out.
    expect(found.get('up_blocks.1.upsamplers.0')).toBe('/up_blocks.1/upsamplers.0/conv/Conv_output_0');
  });
});

describe('hookUnet', () => {
  it('keeps every field and every initializer byte of the graph it does not edit', () => {
    const split = splitModel(single, 'toy UNet');
    const rebuilt = concatParts(joinModel(split));
    expect(equals(ModelProtoSchema, fromBinary(ModelProtoSchema, rebuilt), fromBinary(ModelProtoSchema, single))).toBe(true);
    const hooked = splitModel(concatParts(hookUnet(single, HOOK).parts), 'hooked');
    expect(hooked.initializers.length).toBe(split.initializers.length);
    hooked.initializers.forEach((b, i) => expect(b.every((x, j) => x === split.initializers[i][j])).toBe(true));
    // The initializers pass through as views into the input, not copies.
    expect(hookUnet(single, HOOK).parts.some((p) => p.buffer === single.buffer && p.length > 1000)).toBe(true);
  });

  it('zero steering leaves out_sample unchanged, a non-zero one changes it, and the raw output is the block output', async () => {
    const hooked = hookUnet(single, HOOK);
    const [plain, steered] = await Promise.all([ort.InferenceSession.create(single), ort.InferenceSession.create(concatParts(hooked.parts))]);
    expect(steered.inputNames).toContain('steer_up_blocks.1.attentions.1');
    const base = feeds();
    const want = (await plain.run(base)).out_sample.data as Float32Array;
    const zero = await steered.run({ ...base, [hooked.steerInput]: new ort.Tensor('float32', new Float32Array(2 * C * H * W), [2, C, H, W]) });
    expect(Array.from(zero.out_sample.data as Float32Array)).toEqual(Array.from(want));
    expect(zero[hooked.rawOutput].dims).toEqual([2, C, H, W]);
    const delta = gaussianArray(2 * C * H * W, random);
    const moved = (await steered.run({ ...base, [hooked.steerInput]: new ort.Tensor('float32', delta, [2, C, H, W]) })).out_sample.data as Float32Array;
    let change = 0;
    for (let i = 0; i < want.length; i++) change = Math.max(change, Math.abs(moved[i] - want[i]));
    expect(change).toBeGreaterThan(1e-2);

    // Independent path to the same tensor: the unedited graph with the block output merely listed as a graph output.
    const model = fromBinary(ModelProtoSchema, single);
    const tensor = manifest.hooks.find((h: { path: string }) => h.path === HOOK).onnxOutput as string;
    const { ValueInfoProtoSchema } = await import('./gen/onnx_pb');
    const { create, toBinary } = await import('@bufbuild/protobuf');
    model.graph!.output.push(create(ValueInfoProtoSchema, { name: tensor }));
    const listed = await ort.InferenceSession.create(toBinary(ModelProtoSchema, model));
    const blockOut = (await listed.run(base))[tensor].data as Float32Array;
    expect(Array.from(zero[hooked.rawOutput].data as Float32Array)).toEqual(Array.from(blockOut));
  });

  it('rewrites only the small graph of an external-data layout, whose data file still loads', async () => {
    const hooked = hookUnet(externalGraph, HOOK);
    const graph = concatParts(hooked.parts);
    expect(graph.length).toBeLessThan(externalGraph.length + 4096);
    const before = splitModel(externalGraph, 'graph').initializers.map((b) => Buffer.from(b).toString('latin1'));
    expect(before.some((s) => s.includes('model.onnx_data'))).toBe(true);
    const after = splitModel(graph, 'hooked graph').initializers.map((b) => Buffer.from(b).toString('latin1'));
    expect(after).toEqual(before);
    const s = await ort.InferenceSession.create(graph, { externalData: [{ path: 'model.onnx_data', data: externalData }] });
    const out = await s.run({ ...feeds(), [hooked.steerInput]: new ort.Tensor('float32', new Float32Array(2 * C * H * W), [2, C, H, W]) });
    expect(out.out_sample.dims).toEqual([2, 4, 16, 16]);
  });

  it('names the valid hooks for an unknown one, and refuses truncated and non-ONNX files', () => {
    expect(() => hookUnet(single, 'up_blocks.9.attentions.0')).toThrow(/has no block "up_blocks.9.attentions.0". Should be one of: down_blocks.0.resnets.0, /);
    expect(() => hookUnet(single.subarray(0, single.length - 1000), HOOK)).toThrow(/truncated/);
    expect(() => hookUnet(new TextEncoder().encode('{"not": "onnx", "just": "json text here"}'), HOOK)).toThrow(/not (an ONNX model|protobuf)/);
  });
});
