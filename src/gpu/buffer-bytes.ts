/**
 * Bytes of GPU buffers a device holds, counted as they are created and
 * destroyed: what a job needs of the GPU's memory, measured where no
 * driver reports it (and on lavapipe, where GPU buffers are process memory,
 * the part of the resident set that is the GPU's). Counts every buffer made
 * through `device.createBuffer` after `trackBufferBytes`, uniforms included;
 * a buffer dropped without destroy() stays counted.
 */
export interface BufferBytes {
  /** Bytes of the buffers alive now. */
  readonly live: number;
  /** Most bytes alive at once since tracking began or the last `resetPeak`. */
  readonly peak: number;
  /** Starts a new peak from what is alive now (to measure one stage). */
  resetPeak(): void;
  /** Stops counting new buffers (those already counted still report their destroy). */
  stop(): void;
}

export function trackBufferBytes(device: GPUDevice): BufferBytes {
  const create = device.createBuffer.bind(device);
  const state = { live: 0, peak: 0 };
  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = create(descriptor);
    const destroy = buffer.destroy.bind(buffer);
    let alive = true;
    state.live += descriptor.size;
    state.peak = Math.max(state.peak, state.live);
    buffer.destroy = () => {
      if (alive) state.live -= descriptor.size;
      alive = false;
      destroy();
    };
    return buffer;
  };
  return {
    get live() {
      return state.live;
    },
    get peak() {
      return state.peak;
    },
    resetPeak: () => {
      state.peak = state.live;
    },
    stop: () => {
      device.createBuffer = create;
    },
  };
}
