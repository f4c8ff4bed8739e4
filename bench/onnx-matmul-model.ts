import { create, toBinary } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType, ModelProtoSchema, TensorProto_DataType, ValueInfoProtoSchema } from '../src/diffusion/onnx/gen/onnx_pb';

/** Which product the model computes: 'nn' C = A·B, 'tn' C = Aᵀ·B. */
export type OnnxMatmulLayout = 'nn' | 'tn';

const LAYOUTS: readonly OnnxMatmulLayout[] = ['nn', 'tn'];

/** ONNX IR version 8 and opset 17 are what onnx 1.12 writes; MatMul-13 and Gemm-13 are the newest versions of both ops. */
const IR_VERSION = 8;
const OPSET = 17;

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
      : { opType: 'Gemm', input: ['A', 'B'], output: ['C'], name: 'gemm', attribute: [{ name: 'transA', type: AttributeProto_AttributeType.INT, i: 1n }] };
  const model = create(ModelProtoSchema, {
    irVersion: BigInt(IR_VERSION),
    producerName: 'trajectory-lab bench',
    opsetImport: [{ domain: '', version: BigInt(OPSET) }],
    graph: {
      name: `matmul_${layout}`,
      node: [node],
      input: [tensorInfo('A', layout === 'nn' ? ['M', 'K'] : ['K', 'M']), tensorInfo('B', ['K', 'N'])],
      output: [tensorInfo('C', ['M', 'N'])],
    },
  });
  return toBinary(ModelProtoSchema, model);
}

/** A ValueInfoProto for an f32 tensor whose dimensions are the named symbols. */
function tensorInfo(name: string, dims: readonly string[]) {
  const shape = { dim: dims.map((dimParam) => ({ value: { case: 'dimParam' as const, value: dimParam } })) };
  return create(ValueInfoProtoSchema, { name, type: { value: { case: 'tensorType', value: { elemType: TensorProto_DataType.FLOAT, shape } } } });
}
