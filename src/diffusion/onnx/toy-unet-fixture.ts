/**
 * Test fixture: the toy UNet in both layouts (public/models/toy/), its hook
 * catalogue, the inputs models/toy/export.py stored, and an independent way
 * to read any intermediate tensor (the whole model decoded with the full
 * schema and the tensor listed as an extra graph output, no surgery code).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-web';
import { ModelProtoSchema, ValueInfoProtoSchema } from './gen/onnx_pb';

const root = join(__dirname, '..', '..', '..');
const toy = join(root, 'public', 'models', 'toy');
const reference = join(root, 'models', 'toy', 'reference');

export interface CatalogueHook {
  path: string;
  channels: number;
  height: number;
  width: number;
  onnxOutput: string;
  default: boolean;
}

export const toyManifest = JSON.parse(readFileSync(join(toy, 'manifest.json'), 'utf8')) as { hooks: CatalogueHook[] };
export const singleFile = new Uint8Array(readFileSync(join(toy, 'unet', 'model.onnx')));
export const externalGraph = new Uint8Array(readFileSync(join(toy, 'unet_external', 'model.onnx')));
/** The external layout's data file; the graph's `location` strings name it. */
export const externalDataName = 'model.onnx_data';
export const externalData = new Uint8Array(readFileSync(join(toy, 'unet_external', externalDataName)));

const refIndex = JSON.parse(readFileSync(join(reference, 'reference.json'), 'utf8')) as { file: string; tensors: Record<string, { offset: number; dtype: string; shape: number[] }> };
const refBytes = readFileSync(join(reference, refIndex.file));

function refData(name: string): { data: Float32Array | Int32Array; dims: number[] } {
  const e = refIndex.tensors[name];
  const n = e.shape.reduce((a, b) => a * b, 1);
  const buf = refBytes.buffer.slice(refBytes.byteOffset + e.offset, refBytes.byteOffset + e.offset + 4 * n);
  return { data: e.dtype === 'int32' ? new Int32Array(buf) : new Float32Array(buf), dims: e.shape };
}

/** The stored UNet inputs (batch 1); the int32 timestep widened to the graph's int64. */
export function referenceFeeds(): Record<string, ort.Tensor> {
  const sample = refData('sample');
  const hidden = refData('last_hidden_state');
  const t = refData('timestep');
  return {
    sample: new ort.Tensor('float32', Float32Array.from(sample.data), sample.dims),
    timestep: new ort.Tensor('int64', BigInt64Array.from(t.data, (v) => BigInt(v)), t.dims),
    encoder_hidden_states: new ort.Tensor('float32', Float32Array.from(hidden.data), hidden.dims),
  };
}

/** The unedited model with `tensors` also listed as graph outputs (untyped: ORT infers them). */
export function withExtraOutputs(bytes: Uint8Array, tensors: readonly string[]): Uint8Array {
  const model = fromBinary(ModelProtoSchema, bytes);
  for (const name of tensors) model.graph!.output.push(create(ValueInfoProtoSchema, { name }));
  return toBinary(ModelProtoSchema, model);
}

/** One thread: the test machine's cores are shared. */
export function session(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions = {}): Promise<ort.InferenceSession> {
  ort.env.wasm.numThreads = 1;
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], ...options });
}
