import type { GpuContext } from '../gpu/context';
import { gridStrideGroups } from '../gpu/dispatch-grid';

/** Threads per workgroup of shaders/dynamics-images-to-tokens.wgsl. */
const WG = 256;

export interface ImagesToTokensArgs {
  /** [images, S, P, d] row-major f32: a chunk of a trajectory file's `activations` tensor. */
  images: GPUBuffer;
  /** [images·P, S, d]: written; token i·P + p is position p of image i. */
  tokens: GPUBuffer;
  count: number;
  S: number;
  P: number;
  d: number;
}

/** The GPU form of data/trajectory-file.ts `imagesToTokens`: image-major chunks to token rows. */
export function imagesToTokens(ctx: GpuContext, args: ImagesToTokensArgs): void {
  const { images, tokens, count, S, P, d } = args;
  for (const [name, v] of [['count', count], ['S', S], ['P', P], ['d', d]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`imagesToTokens ${name} = ${v}, but it must be an integer ≥ 0`);
  }
  const bytes = count * S * P * d * 4;
  for (const [name, buffer] of [['images', images], ['tokens', tokens]] as const) {
    if (buffer.size < bytes) throw new RangeError(`imagesToTokens ${name} ("${buffer.label}") holds ${buffer.size} bytes; [${count}, ${S}, ${P}, ${d}] f32 needs ${bytes}`);
  }
  ctx.dispatch({
    shader: 'dynamics-images-to-tokens',
    constants: { WG },
    bindings: [images, tokens],
    params: [count, S, P, d],
    workgroups: [gridStrideGroups(ctx, count * S * P * d, WG)],
  });
}
