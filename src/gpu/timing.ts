import type { GpuContext } from './context';

/**
 * GPU time in milliseconds of the work `record` records. Uses timestamp-query
 * writes at the start of the first pass and the end of a closing pass when the
 * device has the feature; otherwise wall time until the queue drains (the
 * pending queue is drained first, so earlier work is not counted).
 */
export async function timeGpu(ctx: GpuContext, record: () => void): Promise<number> {
  await ctx.sync();
  if (!ctx.summary.features.timestampQuery) {
    const start = performance.now();
    record();
    await ctx.sync();
    return performance.now() - start;
  }
  const device = ctx.device;
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolved = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  // Empty passes bracket the work: the first one's start, the last one's end.
  ctx.emptyPass({ querySet, beginningOfPassWriteIndex: 0 });
  record();
  ctx.emptyPass({ querySet, endOfPassWriteIndex: 1 });
  const encoder = device.createCommandEncoder();
  ctx.submit();
  encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
  device.queue.submit([encoder.finish()]);
  const ticks = new BigInt64Array(await ctx.readBytes(resolved, 0, 16));
  querySet.destroy();
  resolved.destroy();
  return Number(ticks[1] - ticks[0]) / 1e6;
}
