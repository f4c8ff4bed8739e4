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

/** How long a failed job waits for a loss to be reported before its error is taken as it is. */
const LOSS_REPORT_MS = 1000;

export class DeviceWatch {
  private readonly watched = new Set<GpuContext>();
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

  /** Stops watching `ctx` (a released model's device), so the watch does not keep it alive. */
  unwatch(ctx: GpuContext): void {
    this.watched.delete(ctx);
  }

  /** Calls `listener` at the first loss of a watched device; returns the unsubscribe. */
  onLost(listener: LossListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The loss, once a watched device's lost promise had up to `ms` to settle: a job's GPU call
   * can fail (mapAsync rejects with an AbortError) before the device reports its loss, and the
   * report may wait for the next exchange with the GPU process, so each device is asked for one
   * (an error scope's round trip). Once every device has answered (and a task later, for the lost
   * handlers), a loss would have been reported: a failure that is no loss waits one round trip, not `ms`.
   */
  async settle(ms = LOSS_REPORT_MS): Promise<GpuDeviceLostError | null> {
    if (this.first || this.watched.size === 0) return this.first;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    const devices = [...this.watched].map((ctx) => ctx.device);
    const answers = devices.map((device) => {
      device.pushErrorScope('internal');
      return device.popErrorScope().catch(() => null);
    });
    const answered = Promise.all(answers).then(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
    // GpuContext's own handler on `lost` was attached first, so it has run (and set `first`) when this wakes.
    await Promise.race([timeout, answered, ...devices.map((device) => device.lost)]);
    clearTimeout(timer);
    return this.first;
  }

  /** The loss that ended this worker's device, or null while it lives. */
  get loss(): GpuDeviceLostError | null {
    return this.first;
  }
}

/** The runtime worker's one watch (loaded-model.ts registers the devices it hands out). */
export const deviceWatch = new DeviceWatch();
