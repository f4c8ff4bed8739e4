import protobuf from 'protobufjs';
import onnxSubset from './onnx-subset.proto?raw';

/** Which product the model computes: 'nn' C = A·B, 'tn' C = Aᵀ·B. */
export type OnnxMatmulLayout = 'nn' | 'tn';

const LAYOUTS: readonly OnnxMatmulLayout[] = ['nn', 'tn'];

/** ONNX IR version 8 and opset 17 are what onnx 1.12 writes; MatMul-13 and Gemm-13 are the newest versions of both ops. */
const IR_VERSION = 8;
const OPSET = 17;
/** TensorProto.DataType.FLOAT (onnx.proto). */
const FLOAT = 1;

const ModelProto = protobuf.parse(onnxSubset).root.lookupType('onnx.ModelProto');

/**
 * An ONNX model with one node computing C = op(A)·B in f32, with symbolic
 * sizes M, N, K so one session serves every shape:
 * - 'nn': A [M, K], B [K, N] → C [M, N], a MatMul node;
 * - 'tn': A [K, M], B [K, N] → C [M, N], a Gemm node with transA = 1
 *   (the transpose is read inside Gemm's kernel, as ours does, rather than
 *   materialised by a separate Transpose node).
 * Inputs are named "A" and "B", the output "C".
 */
export function onnxMatmulModel(layout: OnnxMatmulLayout): Uint8Array {
  if (!LAYOUTS.includes(layout)) throw new RangeError(`ONNX matmul layout "${layout}" is unknown. Should be one of: ${LAYOUTS.join(', ')}`);
  const node =
    layout === 'nn'
      ? { opType: 'MatMul', input: ['A', 'B'], output: ['C'], name: 'matmul' }
      : { opType: 'Gemm', input: ['A', 'B'], output: ['C'], name: 'gemm', attribute: [{ name: 'transA', type: 2 /* INT */, i: 1 }] };
  const model = {
    irVersion: IR_VERSION,
    producerName: 'trajectory-lab bench',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: `matmul_${layout}`,
      node: [node],
      input: [tensorInfo('A', layout === 'nn' ? ['M', 'K'] : ['K', 'M']), tensorInfo('B', ['K', 'N'])],
      output: [tensorInfo('C', ['M', 'N'])],
    },
  };
  const problem = ModelProto.verify(model);
  if (problem) throw new Error(`ONNX matmul model does not fit onnx.ModelProto: ${problem}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** A ValueInfoProto for an f32 tensor whose dimensions are the named symbols. */
function tensorInfo(name: string, dims: readonly string[]) {
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((dimParam) => ({ dimParam })) } } } };
}
