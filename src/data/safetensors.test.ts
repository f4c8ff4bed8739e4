import { afterEach, describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../gpu/random';
import { DTYPE_BYTES, MAX_HEADER_BYTES, SafetensorsFile, planSafetensors, serializeSafetensors, type TensorEntry } from './safetensors';
import { f32ArrayToF16 } from './float16';

async function bytesOf(blob: Blob): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await blob.arrayBuffer());
}

/** A file with the given header text, an optional forged length prefix, and `dataBytes` zero bytes of data. */
function rawFile(header: string, dataBytes = 0, forgedLength?: bigint): Uint8Array<ArrayBuffer> {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, forgedLength ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

const entry = (dtype: string, shape: unknown, offsets: unknown): string =>
  JSON.stringify({ t: { dtype, shape, data_offsets: offsets } });

describe('safetensors layout', () => {
  it('writes exactly the reference byte layout', async () => {
    const blob = serializeSafetensors(
      {
        b: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) },
        a: { dtype: 'F16', shape: [3], data: f32ArrayToF16(new Float32Array([1, 2, 0.5])) },
        c: { dtype: 'I64', shape: [1], data: new BigInt64Array([7n]) },
      },
      { k: 'v' },
    );
    // Reference order: descending dtype (I64, F32, F16), then name.
    const json =
      '{"__metadata__":{"k":"v"},' +
      '"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
      '"a":{"dtype":"F16","shape":[3],"data_offsets":[16,22]}}';
    const padded = Math.ceil(json.length / 8) * 8;
    const expected = [
      ...[padded, 0, 0, 0, 0, 0, 0, 0], // u64 LE header length (< 256 here)
      ...Array.from(json, (ch) => ch.charCodeAt(0)),
      ...new Array<number>(padded - json.length).fill(0x20), // space padding to 8 bytes
      ...[7, 0, 0, 0, 0, 0, 0, 0], // c: I64 7
      ...[0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0], // b: F32 1, -2
      ...[0x00, 0x3c, 0x00, 0x40, 0x00, 0x38], // a: F16 1, 2, 0.5
    ];
    expect(padded).toBeLessThan(256);
    expect(Array.from(await bytesOf(blob))).toEqual(expected);
    expect(planSafetensors({ x: { dtype: 'U8', shape: [0] } }).header.length % 8).toBe(0);
  });

  it('reads a hand-built file, omitting __metadata__ when there is none', async () => {
    const file = await SafetensorsFile.open(rawFile('{"w":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}  ', 8));
    expect(file.metadata).toEqual({});
    expect(file.info('w')).toMatchObject({ dtype: 'F32', shape: [1, 2] });
    expect(Array.from(await file.readF32('w'))).toEqual([0, 0]);
  });
});

describe('safetensors round trip', () => {
  const rand = seededRandom(42);
  const n = 37;
  const f32 = Float32Array.from({ length: n }, () => rand() * 20 - 10);
  const tensors: Record<string, TensorEntry> = {
    f32: { dtype: 'F32', shape: [n], data: f32 },
    f16: { dtype: 'F16', shape: [n], data: f32ArrayToF16(f32) },
    bf16: { dtype: 'BF16', shape: [n], data: Uint16Array.from(f32, (v) => new Uint32Array(Float32Array.of(v).buffer)[0] >>> 16) },
    f64: { dtype: 'F64', shape: [n], data: Float64Array.from(f32) },
    i32: { dtype: 'I32', shape: [n], data: Int32Array.from(f32, Math.round) },
    i64: { dtype: 'I64', shape: [n], data: BigInt64Array.from(f32, (v) => BigInt(Math.round(v))) },
    u8: { dtype: 'U8', shape: [n], data: Uint8Array.from(f32, (v) => Math.abs(Math.round(v))) },
    rows: { dtype: 'F16', shape: [7, 3, 5], data: f32ArrayToF16(Float32Array.from({ length: 105 }, () => rand())) },
  };
  const metadata = { model: 'sd-turbo', steps: JSON.stringify([0, 2, 4]) };
  const blob = serializeSafetensors(tensors, metadata);

  it('reads back every dtype as f32 from a Blob, an ArrayBuffer and an unaligned Uint8Array', async () => {
    const bytes = await bytesOf(blob);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    for (const source of [blob, bytes.buffer, shifted.subarray(3)]) {
      const file = await SafetensorsFile.open(source);
      expect(file.metadata).toEqual(metadata);
      expect(Array.from(await file.readF32('f32'))).toEqual(Array.from(f32));
      const half = await file.readF32('f16');
      const bf = await file.readF32('bf16');
      for (let i = 0; i < n; i++) {
        expect(Math.abs(half[i] - f32[i])).toBeLessThanOrEqual(Math.abs(f32[i]) * 2 ** -11);
        expect(Math.abs(bf[i] - f32[i])).toBeLessThanOrEqual(Math.abs(f32[i]) * 2 ** -7);
      }
      expect(Array.from(await file.readF32('f64'))).toEqual(Array.from(f32));
      expect(Array.from(await file.readF32('i32'))).toEqual(Array.from(f32, (v) => Math.round(v) | 0));
      expect(Array.from(await file.readF32('i64'))).toEqual(Array.from(f32, (v) => Math.round(v) | 0));
      expect(Array.from(await file.readF32('u8'))).toEqual(Array.from(f32, (v) => Math.abs(Math.round(v))));
    }
  });

  it('keeps every tensor aligned to its element size', async () => {
    const file = await SafetensorsFile.open(blob);
    const infos = [...file.tensors.values()];
    const dataStart = Math.min(...infos.map((t) => t.begin));
    expect(dataStart % 8).toBe(0);
    for (const t of infos) expect((t.begin - dataStart) % DTYPE_BYTES[t.dtype]).toBe(0);
  });

  it('streams leading-axis row ranges equal to slices of the full read', async () => {
    const file = await SafetensorsFile.open(blob);
    const full = await file.readF32('rows');
    for (const [r0, r1] of [[0, 7], [0, 1], [2, 5], [6, 7], [3, 3]]) {
      expect(Array.from(await file.readRowsF32('rows', r0, r1))).toEqual(Array.from(full.subarray(r0 * 15, r1 * 15)));
    }
    await expect(file.readRowsF32('rows', 5, 8)).rejects.toThrow(/rows \[5, 8\) out of range; need 0 <= row0 <= row1 <= 7/);
    await expect(file.readRowsF32('rows', 1.5, 2)).rejects.toThrow(/out of range/);
  });

  it('names the missing tensor and the ones present', async () => {
    const file = await SafetensorsFile.open(blob);
    expect(() => file.info('W_enc')).toThrow(/no tensor "W_enc"; file has: .*f32.*rows/);
  });

  it('rejects data of the wrong length and the reserved name', () => {
    expect(() => serializeSafetensors({ x: { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) } })).toThrow(
      /tensor "x": shape \[2,3\] × F32 needs 24 bytes, data has 20/,
    );
    expect(() => serializeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } })).toThrow(/reserved/);
  });
});

describe('safetensors hostile headers', () => {
  afterEach(() => vi.restoreAllMocks());

  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['short file', new Uint8Array(5), /file is 5 bytes/],
    ['huge header length', rawFile('{}', 0, 1n << 62n), new RegExp(`header length 4611686018427387904 exceeds the ${MAX_HEADER_BYTES}-byte cap`)],
    ['header past EOF', rawFile('{}', 0, 1000n), /header length 1000 runs past the end of the 10-byte file/],
    ['not JSON', rawFile('{"t": '), /header is not valid UTF-8 JSON/],
    ['invalid UTF-8', rawFile('{"ab": 1}').map((b, i) => (i === 10 ? 0xff : b)), /not valid UTF-8 JSON/],
    ['JSON array', rawFile('[1, 2]'), /header must be a JSON object, got an array/],
    ['JSON string', rawFile('"hi"'), /header must be a JSON object, got "hi"/],
    ['unknown dtype', rawFile(entry('F8_E4M3', [1], [0, 1]), 1), /tensor "t": unsupported dtype "F8_E4M3"; supported: BOOL, U8, .*F32.*/],
    ['negative shape', rawFile(entry('F32', [-1], [0, 4]), 4), /tensor "t": shape entry -1 is not a non-negative integer/],
    ['fractional shape', rawFile(entry('F32', [1.5], [0, 4]), 4), /shape entry 1.5 is not a non-negative integer/],
    ['shape not an array', rawFile(entry('F32', 3, [0, 12]), 12), /shape must be an array/],
    ['offsets past EOF', rawFile(entry('F32', [4], [0, 16]), 8), /tensor "t": data_offsets \[0, 16\] past the end of the data \(8 bytes\)/],
    ['offsets reversed', rawFile(entry('F32', [0], [8, 4]), 8), /data_offsets \[8, 4\] end before begin/],
    ['offsets malformed', rawFile(entry('F32', [1], [0]), 4), /data_offsets must be \[begin, end\]/],
    ['wrong byte length', rawFile(entry('F32', [3], [0, 8]), 8), /shape \[3\] × F32 needs 12 bytes but data_offsets \[0, 8\] span 8/],
    ['astronomic shape', rawFile(entry('F32', [2 ** 40, 2 ** 40], [0, 8]), 8), /needs .* bytes but data_offsets \[0, 8\] span 8/],
    [
      'overlapping tensors',
      rawFile(
        JSON.stringify({
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        }),
        12,
      ),
      /tensors "a" and "b" overlap/,
    ],
    ['entry not an object', rawFile('{"t": 3}'), /tensor "t": entry must be an object/],
    ['non-string metadata', rawFile('{"__metadata__": {"steps": [1, 2]}}'), /__metadata__\["steps"\] must be a string/],
  ];

  for (const [what, bytes, message] of cases) {
    it(`rejects ${what}`, async () => {
      await expect(SafetensorsFile.open(bytes)).rejects.toThrow(message);
    });
  }

  it('reads only the 8-byte prefix of a Blob whose header length is huge', async () => {
    const slice = vi.spyOn(Blob.prototype, 'slice');
    const blob = new Blob([rawFile('{}', 0, 1n << 40n)]);
    await expect(SafetensorsFile.open(blob)).rejects.toThrow(/exceeds the .*-byte cap/);
    expect(slice.mock.calls).toEqual([[0, 8]]);
  });

  it('accepts zero-length tensors that share an offset', async () => {
    const file = await SafetensorsFile.open(
      rawFile(
        JSON.stringify({
          a: { dtype: 'F32', shape: [0], data_offsets: [0, 0] },
          b: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        }),
        4,
      ),
    );
    expect((await file.readF32('a')).length).toBe(0);
  });

  it('keeps a "__proto__" metadata key as plain data', async () => {
    const file = await SafetensorsFile.open(rawFile('{"__metadata__": {"__proto__": "x"}}'));
    expect(Object.getOwnPropertyDescriptor(file.metadata, '__proto__')?.value).toBe('x');
  });
});
