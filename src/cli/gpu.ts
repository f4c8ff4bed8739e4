import { ortGpuDevice } from '../diffusion/ort-runtime';
import { GpuContext } from '../gpu/context';
import { nodeGpu } from '../gpu/node-gpu';
import { note } from './progress';

/** The GPU for a command, with one line on stderr saying which adapter runs it. */
export async function commandGpu(): Promise<GpuContext> {
  return announce(await nodeGpu());
}

/** Our kernels on onnxruntime-web's device (WebGPU provider; once a WebGPU session exists), with the same line. */
export async function commandOrtGpu(): Promise<GpuContext> {
  const ctx = GpuContext.fromDevice(await ortGpuDevice());
  // As in nodeGpu: Dawn's Node bindings make createComputePipelineAsync slower than sync.
  ctx.pipelines.compileAsync = false;
  return announce(ctx);
}

function announce(ctx: GpuContext): GpuContext {
  const { vendor, architecture, description, isFallbackAdapter } = ctx.summary;
  note(`gpu: ${vendor} ${architecture}${description ? ` (${description})` : ''}${isFallbackAdapter ? ' — CPU fallback adapter, expect it to be slow' : ''}`);
  return ctx;
}
