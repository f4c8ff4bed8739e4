/**
 * Hooks a UNet at one block (DESIGN §3): the block output's producer writes
 * to a new name `<output>_raw`, which becomes a graph output (the raw
 * activation, captured), and a new node `Add(<output>_raw, steer_<hook>)`
 * produces the original name, so no consumer is edited and a zero steering
 * input leaves the graph's result unchanged. `steer_<hook>` is a new graph
 * input with the activation's type and shape.
 *
 * Only the graph's structure is decoded; initializers pass through as byte
 * ranges of the input (a single-file SD 1.5 UNet is 1.7 GB, and the page
 * must not hold two decoded copies). External-data graphs are small and
 * keep their `location` strings untouched.
 */
import { create } from '@bufbuild/protobuf';
import { NodeProtoSchema, TensorShapeProto_DimensionSchema, TensorShapeProtoSchema, TypeProto_TensorSchema, TypeProtoSchema, ValueInfoProtoSchema, type GraphProto } from './gen/onnx_pb';
import { joinModel, splitModel } from './graph-bytes';
import { listUnetHooks, type UnetHook } from './hooks';

export interface HookedUnet {
  /** The new model's bytes, in order (mostly views into the input). */
  parts: Uint8Array[];
  /** Graph output carrying the block's activation before steering. */
  rawOutput: string;
  /** Graph input added to the activation. */
  steerInput: string;
  /** [C, H, W] from the graph's value_info, or null when it has none. */
  shape: (number | string)[] | null;
}

export class HookNotFoundError extends Error {
  override name = 'HookNotFoundError';
}

/** The name of the steering input for a hook path. */
export const steerInputName = (hookPath: string): string => `steer_${hookPath}`;

/** TensorProto.DataType.FLOAT (onnx.proto). */
const FLOAT = 1;

function elemTypeOf(graph: GraphProto, hook: UnetHook): number {
  if (hook.elemType) return hook.elemType;
  // Without value_info the activation has the UNet's working type: that of its `sample` input.
  const sample = graph.input.find((i) => i.name === 'sample')?.type?.value;
  return sample?.case === 'tensorType' && sample.value.elemType ? sample.value.elemType : FLOAT;
}

function tensorValue(name: string, elemType: number, dims: (number | string)[]) {
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, {
      value: {
        case: 'tensorType',
        value: create(TypeProto_TensorSchema, {
          elemType,
          shape: create(TensorShapeProtoSchema, {
            dim: dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d } })),
          }),
        }),
      },
    }),
  });
}

export function hookUnet(bytes: Uint8Array, hookPath: string, what = 'UNet'): HookedUnet {
  const model = splitModel(bytes, what);
  const { graph } = model;
  const hooks = listUnetHooks(graph);
  const hook = hooks.find((h) => h.path === hookPath);
  if (!hook) {
    throw new HookNotFoundError(`${what} has no block "${hookPath}". Should be one of: ${hooks.map((h) => h.path).join(', ') || '(none: its node names carry no module paths)'}`);
  }
  const rawOutput = `${hook.output}_raw`;
  const steerInput = steerInputName(hookPath);
  if (graph.input.some((i) => i.name === steerInput)) throw new Error(`${what} is already hooked at "${hookPath}" (it has an input ${steerInput})`);
  const producerIndex = graph.node.findIndex((n) => n.output.includes(hook.output));
  const producer = graph.node[producerIndex];
  producer.output = producer.output.map((o) => (o === hook.output ? rawOutput : o));
  const add = create(NodeProtoSchema, { name: `/${hookPath}/steer/Add`, opType: 'Add', input: [rawOutput, steerInput], output: [hook.output] });
  graph.node.splice(producerIndex + 1, 0, add);
  // Batch first, then the block's [C, H, W] (symbolic where the graph does not say).
  const dims: (number | string)[] = ['batch', ...(hook.shape ?? [`${hookPath}_channels`, `${hookPath}_height`, `${hookPath}_width`])];
  const elemType = elemTypeOf(graph, hook);
  graph.input.push(tensorValue(steerInput, elemType, dims));
  graph.output.push(tensorValue(rawOutput, elemType, dims));
  return { parts: joinModel(model), rawOutput, steerInput, shape: hook.shape };
}
