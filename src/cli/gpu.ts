import type { GpuContext } from '../gpu/context';
import { nodeGpu } from '../gpu/node-gpu';
import { note } from './progress';

/** The GPU for a command, with one line on stderr saying which adapter runs it. */
export async function commandGpu(): Promise<GpuContext> {
  const ctx = await nodeGpu();
  const { vendor, architecture, description, isFallbackAdapter } = ctx.summary;
  note(`gpu: ${vendor} ${architecture}${description ? ` (${description})` : ''}${isFallbackAdapter ? ' — CPU fallback adapter, expect it to be slow' : ''}`);
  return ctx;
}
