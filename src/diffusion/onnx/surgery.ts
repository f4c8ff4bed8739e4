/**
 * Hooks a UNet at one block: the block output's producer writes
 * to a new name `<output>_raw`, which becomes a graph output (the raw
 * activation, captured), and a new node `Add(<output>_raw, steer_<hook>)`
 * produces the original name, so no consumer is edited and a zero steering
 * input leaves the graph's result unchanged. `steer_<hook>` keeps the hook
 * path's dots (`steer_up_blocks.1.attentions.1`): ONNX names are free-form
 * strings and ORT feeds by name, so the input reads back as the hook it
 * steers. It has the activation's element type and shape (batch first;
 * symbolic dims where the graph declares none).
 *
 * Only the graph's structure is decoded; initializers pass through as byte
 * ranges of the input (a single-file SD 1.5 UNet is 1.7 GB, and the page
 * must not hold two decoded copies). External-data graphs are small and
 * keep their `location` strings untouched.
 */
import { create } from '@bufbuild/protobuf';
import { NodeProtoSchema, TensorShapeProto_DimensionSchema, TensorShapeProtoSchema, TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema, type ValueInfoProto } from './gen/onnx_pb';
import { ElemTypeError, inferElemType } from './elem-type';
import { initializerTypes, joinModel, splitModel, type SplitModel } from './graph-bytes';
import { findUnetHooks, whyNoHooks } from './hooks';

export interface HookedUnet {
  /** The new model's bytes, in order (mostly views into the input): write or concatenate them. */
  parts: Uint8Array[];
  /** Graph output carrying the block's activation before steering. */
  rawOutput: string;
  /** Graph input added to the activation. */
  steerInput: string;
  /** Dims after batch ([C, H, W]) from the graph's value_info, or null when it has none. */
  shape: (number | string)[] | null;
}

export class HookNotFoundError extends Error {
  override name = 'HookNotFoundError';
}

/** The graph has no hookable block at all; the message says why. It can still be loaded unhooked, for generation. */
export class UnhookableGraphError extends HookNotFoundError {
  override name = 'UnhookableGraphError';
}

/** The name of the steering input for a hook path. */
export const steerInputName = (hookPath: string): string => `steer_${hookPath}`;

function tensorValue(name: string, elemType: number, dims: (number | string)[]) {
  const dim = dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d } }));
  const tensorType = create(TypeProto_TensorSchema, { elemType, shape: create(TensorShapeProtoSchema, { dim }) });
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: 'tensorType', value: tensorType } }) });
}

/** The size or symbol of the `sample` input's batch dim, which every UNet activation shares. */
function sampleBatch(sample: ValueInfoProto | undefined): number | string {
  const t = sample?.type?.value;
  const dim = t?.case === 'tensorType' ? t.value.shape?.dim[0]?.value : undefined;
  if (dim?.case === 'dimValue') return Number(dim.value);
  if (dim?.case === 'dimParam') return dim.value;
  return 'batch';
}

/** The block output's element type, inferred (no value_info declares it); errors name the file and the block. */
function hookElemType(model: SplitModel, hookPath: string, output: string, what: string): number {
  try {
    const type = inferElemType(model.graph, initializerTypes(model), output);
    if (type !== null) return type;
  } catch (error) {
    if (error instanceof ElemTypeError) throw new ElemTypeError(`${what}, block "${hookPath}": ${error.message}`);
    throw error;
  }
  throw new ElemTypeError(`${what}: block "${hookPath}"'s output ${output} is not a tensor of the graph`);
}

/**
 * `bytes`: a whole ONNX model (single file, or the graph file of an
 * external-data layout). `what` names it in error messages.
 */
export function hookUnet(bytes: Uint8Array, hookPath: string, what = 'UNet'): HookedUnet {
  const model = splitModel(bytes, what);
  const { graph } = model;
  const hooks = findUnetHooks(model);
  const hook = hooks.find((h) => h.path === hookPath);
  if (hooks.length === 0) throw new UnhookableGraphError(`${what}: no UNet block can be found in it, so neither "${hookPath}" nor any other can be hooked: ${whyNoHooks(model)}`);
  if (!hook) throw new HookNotFoundError(`${what} has no block "${hookPath}". Should be one of: ${hooks.map((h) => h.path).join(', ')}`);
  const rawOutput = `${hook.output}_raw`;
  const steerInput = steerInputName(hookPath);
  if (graph.input.some((i) => i.name === steerInput)) throw new Error(`${what} is already hooked at "${hookPath}" (it has an input ${steerInput})`);
  const elemType = hook.elemType ?? hookElemType(model, hookPath, hook.output, what);

  const producerIndex = graph.node.findIndex((n) => n.output.includes(hook.output));
  const producer = graph.node[producerIndex];
  producer.output = producer.output.map((o) => (o === hook.output ? rawOutput : o));
  const add = create(NodeProtoSchema, { name: `/${hookPath}/steer/Add`, opType: 'Add', input: [rawOutput, steerInput], output: [hook.output] });
  graph.node.splice(producerIndex + 1, 0, add);
  const batch = hook.batch ?? sampleBatch(graph.input.find((i) => i.name === 'sample'));
  const dims = [batch, ...(hook.shape ?? [`${hookPath}_channels`, `${hookPath}_height`, `${hookPath}_width`])];
  graph.input.push(tensorValue(steerInput, elemType, dims));
  graph.output.push(tensorValue(rawOutput, elemType, dims));
  return { parts: joinModel(model), rawOutput, steerInput, shape: hook.shape };
}

/** hookUnet, but a graph with no hookable block gives its refusal instead of throwing: such a model still loads unhooked, for generation. */
export function hookUnetOrRefusal(bytes: Uint8Array, hookPath: string, what = 'UNet'): HookedUnet | UnhookableGraphError {
  try {
    return hookUnet(bytes, hookPath, what);
  } catch (error) {
    if (error instanceof UnhookableGraphError) return error;
    throw error;
  }
}
