/**
 * fp16 IO with and without a `Float16Array` global. ORT 1.30 allocates
 * float16 outputs as `Float16Array` whenever the global exists (Chrome 135+)
 * and wraps our `Uint16Array` feeds in it; Node 20 has none. The end-to-end
 * case installs a stand-in global before this file's first ORT tensor (ORT
 * reads the global once): a `Uint16Array` class from another realm, which is
 * a 2-byte typed-array view but not `instanceof Uint16Array` here, as a
 * native `Float16Array` is not.
 */
import { create } from '@bufbuild/protobuf';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { f16Bits } from '../data/float16';
import { GraphProtoSchema, NodeProtoSchema } from './onnx/gen/onnx_pb';
import { modelBytes, tensorInfo } from './onnx/graph-builders';
import { ModelContractError, ModelSession, outputValuesToF32 } from './ort-runtime';

const FLOAT16 = 10;
const values = [1.5, -2, 0.25, 65504, -0.0009765625, 0];
const bits = Uint16Array.from(values, f16Bits);
const OtherRealmUint16Array = runInNewContext('Uint16Array') as typeof Uint16Array;

/** y = x + x, float16 in and out. */
const fp16DoublingModel = () =>
  modelBytes(create(GraphProtoSchema, { name: 'double', node: [create(NodeProtoSchema, { opType: 'Add', input: ['x', 'x'], output: ['y'] })], input: [tensorInfo('x', FLOAT16, [values.length])], output: [tensorInfo('y', FLOAT16, [values.length])] }));

describe('outputValuesToF32', () => {
  it('widens float16 given as Uint16Array bits (no Float16Array global: Node 20)', () => {
    expect(typeof (globalThis as { Float16Array?: unknown }).Float16Array).toBe('undefined');
    expect([...outputValuesToF32('float16', bits)]).toEqual(values);
  });

  it('widens float16 given as a 2-byte view of another class (a native Float16Array) from its buffer bits', () => {
    const view = new OtherRealmUint16Array(bits.length + 2).subarray(1, bits.length + 1);
    view.set(bits);
    expect(view instanceof Uint16Array).toBe(false);
    expect([...outputValuesToF32('float16', view)]).toEqual(values);
  });

  it('reads a Float16Array polyfill (not a typed-array view) as the numbers it gives', () => {
    const polyfilled = { length: values.length, ...Object.fromEntries(values.map((v, i) => [i, v])) };
    expect([...outputValuesToF32('float16', polyfilled)]).toEqual(values);
  });

  it('reads float32, int64 and int32, and names the class it cannot read', () => {
    const f32 = Float32Array.of(0.5, -1);
    expect(outputValuesToF32('float32', f32)).toBe(f32);
    expect([...outputValuesToF32('int64', BigInt64Array.of(981n, -3n))]).toEqual([981, -3]);
    expect([...outputValuesToF32('int32', Int32Array.of(7, -7))]).toEqual([7, -7]);
    expect(() => outputValuesToF32('float32', Float64Array.of(1))).toThrow(ModelContractError);
    expect(() => outputValuesToF32('float16', ['a'])).toThrow(/float16 came as Array/);
  });
});

describe('ModelSession with a Float16Array global', () => {
  const global = globalThis as { Float16Array?: unknown };
  afterAll(() => {
    delete global.Float16Array;
  });

  it('feeds Uint16Array bits and reads the Float16Array output ORT allocates', async () => {
    global.Float16Array = OtherRealmUint16Array;
    const session = await ModelSession.create('fp16 doubling', fp16DoublingModel(), { provider: 'wasm' });
    const out = await session.run({ x: { data: Float32Array.from(values), dims: [values.length] } });
    await session.release();
    expect(out.y.type).toBe('float16');
    // 65504 doubled overflows fp16 to Infinity.
    expect([...out.y.data!]).toEqual(values.map((v) => (Math.abs(2 * v) > 65504 ? Math.sign(v) * Infinity : 2 * v)));
  });
});
