/**
 * The worker's watch over its GPU devices: the one our kernels run on and,
 * with the WebGPU provider, onnxruntime's (the same device). Whatever loses
 * it — a driver reset, the GPU process restarting, destroy() — every job
 * that was running must stop and the page must make a new device; a lost
 * device never comes back, so the first loss is kept and reported once.
 */
import type { GpuContext } from '../gpu/context';
import type { GpuDeviceLostError } from '../gpu/errors';

type LossListener = (error: GpuDeviceLostError) => void;

export class DeviceWatch {
  private readonly watched = new WeakSet<GpuContext>();
  private readonly listeners = new Set<LossListener>();
  private first: GpuDeviceLostError | null = null;

  /** Watches `ctx` for loss (once per context) and hands it back. */
  watch(ctx: GpuContext): GpuContext {
    if (this.watched.has(ctx)) return ctx;
    this.watched.add(ctx);
    ctx.onLost((error) => {
      if (this.first) return;
      this.first = error;
      for (const listener of this.listeners) listener(error);
    });
    return ctx;
  }

  /** Calls `listener` at the first loss of a watched device; returns the unsubscribe. */
  onLost(listener: LossListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The loss that ended this worker's device, or null while it lives. */
  get loss(): GpuDeviceLostError | null {
    return this.first;
  }
}

/** The runtime worker's one watch (loaded-model.ts registers the devices it hands out). */
export const deviceWatch = new DeviceWatch();
