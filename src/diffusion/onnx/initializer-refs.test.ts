import { fromBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { ModelProtoSchema, TensorProto_DataLocation } from './gen/onnx_pb';
import { splitModel } from './graph-bytes';
import { largestInitializer, referenceInitializers } from './initializer-refs';
import { hookUnet } from './surgery';
import { externalData, externalDataName, externalGraph, referenceFeeds, session, singleFile, toyManifest } from './toy-unet-fixture';
import { concatBytes } from '../../data/concat-bytes';

const LOCATION = 'unet-weights';
const HOOK = 'up_blocks.1.attentions.1';
const hook = toyManifest.hooks.find((h) => h.path === HOOK)!;

describe('referenceInitializers', () => {
  it('points every large initializer at its bytes in the original file: offsets and lengths land on the same raw_data', () => {
    const { graph, referenced, referencedBytes } = referenceInitializers(singleFile, 'toy UNet', LOCATION);
    expect(graph.length).toBeLessThan(singleFile.length - referencedBytes + 4096 * referenced);
    const before = new Map(fromBinary(ModelProtoSchema, singleFile).graph!.initializer.map((t) => [t.name, t]));
    let checked = 0;
    for (const t of fromBinary(ModelProtoSchema, graph).graph!.initializer) {
      const original = before.get(t.name)!;
      if (t.dataLocation !== TensorProto_DataLocation.EXTERNAL) {
        expect(t.rawData.length).toBeLessThan(1024);
        continue;
      }
      const entry = Object.fromEntries(t.externalData.map((e) => [e.key, e.value]));
      expect(entry.location).toBe(LOCATION);
      const slice = singleFile.subarray(Number(entry.offset), Number(entry.offset) + Number(entry.length));
      expect(Buffer.compare(slice, original.rawData)).toBe(0);
      expect(t.dims).toEqual(original.dims);
      expect(t.dataType).toBe(original.dataType);
      checked++;
    }
    expect(checked).toBe(referenced);
    expect(referenced).toBeGreaterThan(10);
  });

  it('runs in onnxruntime with the original bytes as external data, hooked or not, giving the single file’s outputs', async () => {
    const feeds = referenceFeeds();
    const plain = await (await session(singleFile)).run(feeds);
    const { graph } = referenceInitializers(singleFile, 'toy UNet', LOCATION);
    const referenced = await (await session(graph, { externalData: [{ path: LOCATION, data: singleFile }] })).run(feeds);
    expect(Buffer.compare(Buffer.from((referenced.out_sample.data as Float32Array).buffer), Buffer.from((plain.out_sample.data as Float32Array).buffer))).toBe(0);

    const hooked = hookUnet(graph, HOOK, 'toy UNet');
    const hookedGraph = concatBytes(hooked.parts);
    // The hooked model is the small graph: no byte of the weights was copied into it.
    expect(hookedGraph.length).toBeLessThan(graph.length + 4096);
    const s = await session(hookedGraph, { externalData: [{ path: LOCATION, data: singleFile }] });
    const dims = [1, hook.channels, hook.height, hook.width];
    const zero = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    const out = await s.run({ ...feeds, [hooked.steerInput]: zero });
    expect(Buffer.compare(Buffer.from((out.out_sample.data as Float32Array).buffer), Buffer.from((plain.out_sample.data as Float32Array).buffer))).toBe(0);
  });

  it('refuses a location the model already uses', () => {
    expect(() => referenceInitializers(externalGraph, 'toy UNet', externalDataName)).toThrow(`toy UNet already names external data "${externalDataName}"`);
  });

  it('leaves an external-data graph’s references alone (they have no raw_data)', () => {
    const { referenced } = referenceInitializers(externalGraph, 'toy UNet', LOCATION);
    expect(referenced).toBe(0);
    expect(externalData.length).toBeGreaterThan(0);
  });
});

describe('largestInitializer', () => {
  it('sizes tensors from dims and element type without their data: the same answer for both layouts', () => {
    const fromData = fromBinary(ModelProtoSchema, singleFile).graph!.initializer.reduce((m, t) => Math.max(m, t.rawData.length), 0);
    expect(largestInitializer(splitModel(singleFile, 'toy'))?.bytes).toBe(fromData);
    expect(largestInitializer(splitModel(externalGraph, 'toy'))).toEqual(largestInitializer(splitModel(singleFile, 'toy')));
  });
});
