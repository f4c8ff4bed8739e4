import { equals, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { gaussianArray, seededRandom } from '../../gpu/random';
import { GraphProtoSchema, ModelProtoSchema } from './gen/onnx_pb';
import { concatBytes } from '../../data/concat-bytes';
import { joinModel, splitModel } from './graph-bytes';
import { hookUnet } from './surgery';
import { scanFields } from './wire';
import { externalData, externalDataName, externalGraph, referenceFeeds, session, singleFile, toyManifest, withExtraOutputs } from './toy-unet-fixture';

const HOOK = 'up_blocks.1.attentions.1';
const entry = toyManifest.hooks.find((h) => h.path === HOOK)!;
const steerDims = [1, entry.channels, entry.height, entry.width];
const steerSize = steerDims.reduce((a, b) => a * b, 1);

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

/** Field 99, length-delimited, "kept" (tag 99 << 3 | 2 = 794 = varint 0x9a 0x06): a field a later onnx.proto might add. */
const UNKNOWN = Uint8Array.from([0x9a, 0x06, 4, ...new TextEncoder().encode('kept')]);
const withUnknown = (message: Uint8Array) => concatBytes([message, UNKNOWN]);
const contains = (hay: Uint8Array, needle: Uint8Array) => Buffer.from(hay.buffer, hay.byteOffset, hay.length).indexOf(Buffer.from(needle)) >= 0;

const layouts = [
  { name: 'single file', bytes: singleFile, options: {} },
  { name: 'external data', bytes: externalGraph, options: { externalData: [{ path: externalDataName, data: externalData }] } },
];

describe('splitModel / joinModel', () => {
  it('round-trips the toy UNet: the same message, and the decoded part of the graph re-encodes byte for byte', () => {
    for (const bytes of [singleFile, externalGraph]) {
      const split = splitModel(bytes, 'toy UNet');
      expect(equals(ModelProtoSchema, fromBinary(ModelProtoSchema, concatBytes(joinModel(split))), fromBinary(ModelProtoSchema, bytes))).toBe(true);
      // The graph's fields other than initializers, as they lie in the file, re-encode to the same bytes.
      const graphField = scanFields(bytes, 'model').find((f) => f.field === 7)!;
      const graphBytes = bytes.subarray(graphField.payloadStart, graphField.end);
      const rest = concatBytes(scanFields(graphBytes, 'graph').filter((f) => f.field !== 5 && f.field !== 15).map((f) => graphBytes.subarray(f.start, f.end)));
      expect(sameBytes(toBinary(GraphProtoSchema, split.graph), rest)).toBe(true);
    }
  });

  it('keeps fields the schema does not know through decode → encode, and through hookUnet', () => {
    const split = splitModel(singleFile, 'toy UNet');
    const graphWithUnknown = withUnknown(toBinary(GraphProtoSchema, split.graph));
    expect(sameBytes(toBinary(GraphProtoSchema, fromBinary(GraphProtoSchema, graphWithUnknown)), graphWithUnknown)).toBe(true);
    const model = concatBytes(joinModel({ ...split, graph: fromBinary(GraphProtoSchema, graphWithUnknown) }));
    expect(contains(concatBytes(hookUnet(model, HOOK).parts), UNKNOWN)).toBe(true);
  });
});

describe('hookUnet', () => {
  it('keeps every initializer byte, in order, as views into the input rather than copies', () => {
    for (const { bytes } of layouts) {
      const original = splitModel(bytes, 'toy UNet').initializers;
      const { parts } = hookUnet(bytes, HOOK);
      const hooked = splitModel(concatBytes(parts), 'hooked').initializers;
      expect(hooked.length).toBe(original.length);
      expect(hooked.every((b, i) => sameBytes(b, original[i]))).toBe(true);
      const viewed = parts.filter((p) => p.buffer === bytes.buffer).reduce((n, p) => n + p.length, 0);
      expect(viewed).toBeGreaterThanOrEqual(original.reduce((n, b) => n + b.length, 0));
    }
  });

  it('adds the steering input and the raw output with the activation type and a batch-first shape', () => {
    const hooked = hookUnet(singleFile, HOOK);
    expect(hooked.steerInput).toBe('steer_up_blocks.1.attentions.1');
    expect(hooked.rawOutput).toBe(`${entry.onnxOutput}_raw`);
    const graph = splitModel(concatBytes(hooked.parts), 'hooked').graph;
    const steer = graph.input.find((i) => i.name === hooked.steerInput)!.type!.value;
    expect(steer.case === 'tensorType' && [steer.value.elemType, steer.value.shape!.dim.map((d) => d.value.value)]).toEqual([1, ['batch', `${HOOK}_channels`, `${HOOK}_height`, `${HOOK}_width`]]);
    // No consumer was edited: the original name is still produced exactly once, now by the steering Add.
    const producers = graph.node.filter((n) => n.output.includes(entry.onnxOutput));
    expect(producers.map((n) => [n.opType, n.input])).toEqual([['Add', [hooked.rawOutput, hooked.steerInput]]]);
  });

  for (const { name, bytes, options } of layouts) {
    it(`${name}: zero steering leaves out_sample bit-identical, non-zero moves it, and the raw output is the block output`, async () => {
      const hooked = hookUnet(bytes, HOOK);
      const graph = concatBytes(hooked.parts);
      if (name === 'external data') expect(graph.length).toBeLessThan(bytes.length + 4096);
      const feeds = referenceFeeds();
      // Independent path to the block output: the unedited graph with that tensor merely listed as an output.
      const listed = await (await session(withExtraOutputs(bytes, [entry.onnxOutput]), options)).run(feeds);
      const steered = await session(graph, options);
      const zero = await steered.run({ ...feeds, [hooked.steerInput]: new ort.Tensor('float32', new Float32Array(steerSize), steerDims) });
      expect(sameBytes(new Uint8Array((zero.out_sample.data as Float32Array).buffer), new Uint8Array((listed.out_sample.data as Float32Array).buffer))).toBe(true);
      expect(zero[hooked.rawOutput].dims).toEqual(steerDims);
      expect(Array.from(zero[hooked.rawOutput].data as Float32Array)).toEqual(Array.from(listed[entry.onnxOutput].data as Float32Array));

      const delta = gaussianArray(steerSize, seededRandom(5));
      const moved = await steered.run({ ...feeds, [hooked.steerInput]: new ort.Tensor('float32', delta, steerDims) });
      const want = listed.out_sample.data as Float32Array;
      const got = moved.out_sample.data as Float32Array;
      expect(Math.max(...got.map((v, i) => Math.abs(v - want[i])))).toBeGreaterThan(1e-2);
      // Steering happens after the raw capture, so the raw activation is unchanged.
      expect(Array.from(moved[hooked.rawOutput].data as Float32Array)).toEqual(Array.from(zero[hooked.rawOutput].data as Float32Array));
    });
  }

  it("rewrites only the external layout's graph file, keeping its `location` strings", () => {
    const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
    const before = splitModel(externalGraph, 'graph').initializers.map(latin1);
    expect(before.every((s) => s.includes(externalDataName))).toBe(true);
    expect(splitModel(concatBytes(hookUnet(externalGraph, HOOK).parts), 'hooked graph').initializers.map(latin1)).toEqual(before);
  });

  it('names the valid hooks for an unknown one, and refuses truncated, non-ONNX and already hooked files', () => {
    expect(() => hookUnet(singleFile, 'up_blocks.9.attentions.0')).toThrow(/has no block "up_blocks.9.attentions.0". Should be one of: down_blocks.0.resnets.0, down_blocks.0.attentions.0, /);
    expect(() => hookUnet(singleFile.subarray(0, singleFile.length - 1000), HOOK)).toThrow(/truncated/);
    expect(() => hookUnet(singleFile.subarray(0, 5), HOOK)).toThrow(/5 bytes: not an ONNX model/);
    expect(() => hookUnet(new TextEncoder().encode('{"not": "onnx", "just": "json text here"}'), HOOK)).toThrow(/not (an ONNX model|protobuf)/);
    expect(() => hookUnet(concatBytes(hookUnet(singleFile, HOOK).parts), HOOK)).toThrow(/already hooked/);
  });
});
