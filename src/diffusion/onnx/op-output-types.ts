/**
 * Where each ONNX operator's output element type comes from, per the
 * operator specs' type constraints: a type the node fixes (Cast's `to`,
 * Shape → int64, comparisons → bool, …), or the type of one of its inputs
 * (Reshape's data input 0, never its int64 shape input). Operators of the
 * default domain, with the few ONNX Runtime contrib ops a UNet export
 * optimized for it ends its blocks in. An operator missing here has no
 * rule: its outputs are reported untyped rather than guessed.
 */
import type { AttributeProto, GraphProto, NodeProto, TypeProto } from './gen/onnx_pb';

/** TensorProto.DataType values (onnx.proto). */
export const FLOAT = 1;
const UINT8 = 2;
const INT32 = 6;
export const INT64 = 7;
const STRING = 8;
const BOOL = 9;

/**
 * An output of a subgraph (If's branches, Loop's and Scan's bodies) whose
 * type the node's output has. `formals` binds the subgraph's inputs by
 * position: a node input's name, or a DataType (Loop's iteration count and
 * condition).
 */
export interface SubgraphSource {
  graphs: GraphProto[];
  output: number;
  formals: (string | number)[];
}

/**
 * An output's type: a DataType the node fixes, or input tensor names whose
 * type it shares (the first that has a known type answers: every listed
 * input has the output's type per the spec), a subgraph's output, or null
 * when nothing here says.
 */
export type TypeSource = number | string[] | SubgraphSource | null;

/** The element type a TypeProto declares (a tensor's, or the tensors' in a sequence or optional), or 0 when none. */
export function declaredElemType(type: TypeProto | undefined): number {
  const v = type?.value;
  if (v?.case === 'tensorType' || v?.case === 'sparseTensorType') return v.value.elemType;
  if (v?.case === 'sequenceType' || v?.case === 'optionalType') return declaredElemType(v.value.elemType);
  return 0;
}

const attr = (node: NodeProto, name: string): AttributeProto | undefined => node.attribute.find((a) => a.name === name);
const intAttr = (node: NodeProto, name: string): number => Number(attr(node, name)?.i ?? 0);
/** Input `i` as a source, or [] when absent (an optional input left empty). */
const input = (node: NodeProto, i: number): string[] => (node.input[i] ? [node.input[i]] : []);
/** `dtype`-style attribute if set, else `fallback`. */
const dtypeOr = (node: NodeProto, name: string, fallback: TypeSource): TypeSource => intAttr(node, name) || fallback;

/** Ops whose every output has input 0's type (data-movement, unary math, normalizations, pooling, recurrent, …). */
const INPUT0 = new Set(
  `Abs Acos Acosh AffineGrid Asin Asinh Atan Atanh AveragePool BitwiseNot Ceil Celu CenterCropPad Clip Col2Im
   Compress ConcatFromSequence Cos Cosh CumProd CumSum DFT DeformConv DepthToSpace Det Elu Erf Exp Expand Flatten Floor
   GRU Gather GatherElements GatherND Gelu GlobalAveragePool GlobalLpPool GlobalMaxPool GridSample GroupNormalization
   HardSigmoid HardSwish Hardmax Identity InstanceNormalization LRN LSTM LeakyRelu Log LogSoftmax LpNormalization LpPool
   MaxRoiPool MaxUnpool MeanVarianceNormalization Mish Neg NegativeLogLikelihoodLoss OptionalGetElement Pad Pow RMSNormalization
   RNN Reciprocal ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum
   ReduceSumSquare Relu Reshape Resize ReverseSequence RoiAlign RotaryEmbedding Round STFT Scatter ScatterElements ScatterND
   Selu SequenceAt SequenceConstruct SequenceErase SequenceInsert Shrink Sigmoid Sign Sin Sinh Slice Softmax
   SoftmaxCrossEntropyLoss Softplus Softsign SpaceToDepth Split SplitToSequence Sqrt Squeeze Swish Tan Tanh TensorScatter
   ThresholdedRelu Tile Transpose Trilu Unsqueeze Upsample`.split(/\s+/),
);

/** Ops whose inputs all share the output's type T (any typed one answers). */
const SHARED = new Set('Add Sub Mul Div Mod Sum Max Min Mean Concat PRelu BitShift BitwiseAnd BitwiseOr BitwiseXor MatMul Gemm Conv ConvTranspose Einsum Range'.split(' '));

const INT64_OPS = new Set('Shape Size NonZero ArgMax ArgMin NonMaxSuppression SequenceLength'.split(' '));
const BOOL_OPS = new Set('Equal Less Greater LessOrEqual GreaterOrEqual Not And Or Xor IsNaN IsInf RegexFullMatch OptionalHasElement'.split(' '));
const WINDOWS = new Set('HannWindow HammingWindow BlackmanWindow MelWeightMatrix'.split(' '));

/** ONNX Runtime contrib ops (com.microsoft) whose output 0 has input 0's type: what optimized SD UNets fuse blocks into. */
const CONTRIB_INPUT0 = new Set('BiasAdd BiasGelu BiasSplitGelu FastGelu GroupNorm MultiHeadAttention NhwcConv QuickGelu SkipGroupNorm SkipLayerNormalization'.split(' '));

/** Type of a Constant node's value attribute. */
function constantType(node: NodeProto): TypeSource {
  const value = node.attribute[0];
  if (!value) return null;
  if (value.t) return value.t.dataType;
  if (value.sparseTensor?.values) return value.sparseTensor.values.dataType;
  if (value.name === 'value_float' || value.name === 'value_floats') return FLOAT;
  if (value.name === 'value_int' || value.name === 'value_ints') return INT64;
  if (value.name === 'value_string' || value.name === 'value_strings') return STRING;
  return null;
}

function subgraphOutput(node: NodeProto, names: string[], output: number, formals: (string | number)[]): TypeSource {
  const graphs = names.map((name) => attr(node, name)?.g).filter((g): g is GraphProto => g !== undefined);
  return graphs.length ? { graphs, output, formals } : null;
}

/** Ops of the default domain whose outputs differ from one another or come from attributes. */
function specialRule(node: NodeProto, out: number): TypeSource | undefined {
  switch (node.opType) {
    case 'Cast':
    case 'BitCast':
      return intAttr(node, 'to') || null;
    case 'CastLike':
      return input(node, 1);
    case 'Constant':
      return constantType(node);
    case 'ConstantOfShape':
      return attr(node, 'value')?.t?.dataType ?? FLOAT;
    case 'Where':
      return [...input(node, 1), ...input(node, 2)];
    case 'OneHot':
      return input(node, 2);
    case 'Dropout':
      return out === 0 ? input(node, 0) : BOOL;
    case 'MaxPool':
    case 'TopK':
      return out === 0 ? input(node, 0) : INT64;
    case 'Unique':
      return out === 0 ? input(node, 0) : INT64;
    case 'StringSplit':
      return out === 0 ? STRING : INT64;
    case 'StringConcat':
    case 'StringNormalizer':
      return STRING;
    case 'LayerNormalization':
      return out === 0 ? input(node, 0) : intAttr(node, 'stash_type') || FLOAT;
    case 'BatchNormalization':
      return out === 0 ? input(node, 0) : input(node, 3); // running mean and variance: input_mean's type
    case 'Attention':
      return out === 2 ? input(node, 2) : input(node, 0); // present_value has V's type, the rest Q's
    case 'DynamicQuantizeLinear':
      return out === 1 ? FLOAT : UINT8;
    case 'QuantizeLinear':
      return dtypeOr(node, 'output_dtype', node.input[2] ? input(node, 2) : UINT8);
    case 'DequantizeLinear':
      return dtypeOr(node, 'output_dtype', input(node, 1));
    case 'QLinearConv':
    case 'QLinearMatMul':
      return input(node, 7); // y_zero_point
    case 'ConvInteger':
    case 'MatMulInteger':
      return INT32;
    case 'RandomNormal':
    case 'RandomUniform':
    case 'SequenceEmpty':
      return dtypeOr(node, 'dtype', FLOAT);
    case 'RandomNormalLike':
    case 'RandomUniformLike':
    case 'Bernoulli':
    case 'EyeLike':
      return dtypeOr(node, 'dtype', input(node, 0));
    case 'Multinomial':
      return dtypeOr(node, 'dtype', INT32);
    case 'Optional':
      return node.input[0] ? input(node, 0) : declaredElemType(attr(node, 'type')?.tp) || null;
    case 'ImageDecoder':
      return UINT8;
    case 'TfIdfVectorizer':
      return FLOAT;
    case 'If':
      return subgraphOutput(node, ['then_branch', 'else_branch'], out, []);
    case 'Loop':
      // Body inputs: iteration number, condition, loop-carried values; outputs: condition, then the node's outputs.
      return subgraphOutput(node, ['body'], out + 1, [INT64, BOOL, ...node.input.slice(2)]);
    case 'Scan':
    case 'SequenceMap':
      return subgraphOutput(node, ['body'], out, node.input);
  }
  return undefined;
}

/** Where output `out` of `node` takes its element type from. */
export function outputTypeSource(node: NodeProto, out: number): TypeSource {
  if (node.domain === 'com.microsoft') return out === 0 && CONTRIB_INPUT0.has(node.opType) ? input(node, 0) : null;
  if (node.domain !== '' && node.domain !== 'ai.onnx') return null;
  const special = specialRule(node, out);
  if (special !== undefined) return special;
  if (INT64_OPS.has(node.opType)) return INT64;
  if (BOOL_OPS.has(node.opType)) return BOOL;
  if (WINDOWS.has(node.opType)) return dtypeOr(node, 'output_datatype', FLOAT);
  if (INPUT0.has(node.opType)) return input(node, 0);
  if (SHARED.has(node.opType)) return node.input.filter((i) => i !== '');
  return null;
}
