import { GpuDeviceLostError, GpuLimitError, GpuOperationError } from './errors';
import { packParams, type ParamValue } from './params';
import { BindGroupCache } from './bind-group-cache';
import { PipelineCache, type OverrideConstants } from './pipelines';

/** What the lab needs to know about an adapter, as plain data (shown in the UI, printed by the CLI). */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: { shaderF16: boolean; subgroups: boolean; timestampQuery: boolean };
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number;
  };
}

/** A storage binding: a whole buffer or a byte range of one (offsets must be multiples of minStorageBufferOffsetAlignment). */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

export interface DispatchDescription {
  /** File name in `shaders/` without `.wgsl`. */
  shader: string;
  entryPoint?: string;
  constants?: OverrideConstants;
  /** Storage bindings 0..n-1 in the kernel's order: inputs, then outputs. */
  bindings: readonly Binding[];
  /** The `Params` uniform, bound after the storage bindings (binding n). */
  params?: readonly ParamValue[];
  /** Workgroup counts; each must be ≤ maxComputeWorkgroupsPerDimension. */
  workgroups: readonly [number, number?, number?];
}

/** The limits we raise from WebGPU's defaults (128 MiB bindings are too small for SD 1.5 trajectories). */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

const WANTED_FEATURES: GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];

/** Submit after this many recorded dispatches so long chains start running early. */
const DISPATCHES_PER_SUBMIT = 256;
/** Bind groups a context keeps for reuse (BindGroupCache), and finished Params arenas it keeps for the next submits. */
const BIND_GROUP_CACHE = 4096;
const SPARE_ARENAS = 4;
/** Bytes of one dispatch's Params slot in the uniform arena: WebGPU's largest minUniformBufferOffsetAlignment. */
const PARAMS_SLOT = 256;

/**
 * One GPU device with everything our kernels need: a pipeline cache, buffer
 * helpers, dispatch recording, readback, and error reporting that turns a lost
 * device, a validation error or an exceeded limit into a thrown error instead
 * of a silently wrong result.
 */
export class GpuContext {
  readonly pipelines: PipelineCache;
  /** Set when the device is lost; every later call throws it. */
  lostError: GpuDeviceLostError | null = null;

  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private recorded = 0;
  private pendingScopes: Promise<GPUError | null>[] = [];
  private uncaptured: GPUError[] = [];
  /** Params arenas whose submits have finished, for the next ones (their slots then match cached bind groups). */
  private readonly spareArenas: GPUBuffer[] = [];
  private readonly bindGroups: BindGroupCache;
  /**
   * The Params of the dispatches recorded since the last submit, one slot
   * each in one uniform buffer written once at submit: a buffer and a write
   * per dispatch cost more than many small kernels themselves on an
   * emulated adapter (and one IPC each in a browser).
   */
  private paramsArena: { buffer: GPUBuffer; bytes: Uint8Array<ArrayBuffer>; used: number } | null = null;
  private readonly layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
  private readonly lostListeners = new Set<(error: GpuDeviceLostError) => void>();
  private disposed = false;

  /**
   * `shared`: the pipeline cache of another context on the same device, for a
   * view of it (rehearsal.ts); such a view leaves device-loss and error
   * reporting to the context it shares with.
   */
  constructor(
    readonly device: GPUDevice,
    readonly summary: AdapterSummary,
    shared?: { pipelines: PipelineCache },
  ) {
    this.pipelines = shared?.pipelines ?? new PipelineCache(device);
    this.bindGroups = new BindGroupCache(device, BIND_GROUP_CACHE);
    if (shared) return;
    void device.lost.then((info) => {
      // destroy() is how we release a device on purpose; it is not an error to report.
      if (info.reason === 'destroyed' && this.disposed) return;
      this.lostError = new GpuDeviceLostError(String(info.reason), info.message);
      for (const listener of this.lostListeners) listener(this.lostError);
    });
    device.addEventListener('uncapturederror', (event) => {
      this.uncaptured.push((event as GPUUncapturedErrorEvent).error);
    });
  }

  /** Requests a device with the adapter's full limits for the ones we use, and the optional features we can exploit. */
  static async fromAdapter(adapter: GPUAdapter): Promise<GpuContext> {
    const requiredLimits: Record<string, number> = {};
    for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
    const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'trajectory-lab' });
    return new GpuContext(device, summarize(adapter.info, device, adapter.info.isFallbackAdapter ?? false));
  }

  /** Wraps a device someone else created (onnxruntime-web's), so buffers pass between the model and our kernels. */
  static fromDevice(device: GPUDevice, info: GPUAdapterInfo = device.adapterInfo): GpuContext {
    return new GpuContext(device, summarize(info, device, info.isFallbackAdapter ?? false));
  }

  get hasF16(): boolean {
    return this.summary.features.shaderF16;
  }

  onLost(listener: (error: GpuDeviceLostError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  assertAlive(): void {
    if (this.lostError) throw this.lostError;
  }

  /** A storage buffer of `byteLength` bytes (rounded up to 4), checked against the adapter's limits. */
  createBuffer(byteLength: number, label: string, usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST): GPUBuffer {
    this.assertAlive();
    const size = Math.max(4, Math.ceil(byteLength / 4) * 4);
    const limit = this.device.limits.maxBufferSize;
    if (size > limit) throw new GpuLimitError('maxBufferSize', size, limit, `Buffer "${label}"`);
    return this.device.createBuffer({ size, usage, label });
  }

  /** A storage buffer holding `data`. */
  upload(data: ArrayBufferView, label: string): GPUBuffer {
    const buffer = this.createBuffer(data.byteLength, label);
    this.write(buffer, data);
    return buffer;
  }

  /** Writes `data` at `byteOffset`, padding the tail to 4 bytes as writeBuffer requires. */
  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.assertAlive();
    const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    const padded: Uint8Array<ArrayBuffer> = bytes.byteLength % 4 === 0 ? bytes : copyPadded(bytes);
    this.device.queue.writeBuffer(buffer, byteOffset, padded);
  }

  /** Records one kernel dispatch; it runs at the next submit (automatic, or on readback/sync). */
  dispatch(d: DispatchDescription): void {
    this.assertAlive();
    const maxGroups = this.device.limits.maxComputeWorkgroupsPerDimension;
    const [x, y = 1, z = 1] = d.workgroups;
    for (const n of [x, y, z]) {
      if (n > maxGroups) throw new GpuLimitError('maxComputeWorkgroupsPerDimension', n, maxGroups, `Kernel ${d.shader}`);
    }
    if (x * y * z === 0) return;
    const maxBinding = this.device.limits.maxStorageBufferBindingSize;
    const entries: GPUBindGroupEntry[] = d.bindings.map((b, binding) => {
      const resource = b instanceof GPUBuffer ? { buffer: b } : b;
      const size = resource.size ?? resource.buffer.size - (resource.offset ?? 0);
      if (size > maxBinding) {
        throw new GpuLimitError('maxStorageBufferBindingSize', size, maxBinding, `Binding ${binding} of kernel ${d.shader}`);
      }
      return { binding, resource };
    });
    const pipeline = this.pipelines.get(d.shader, d.entryPoint, d.constants);
    // After the pipeline (which may throw on a bad shader): a slot is only taken by a dispatch that is recorded.
    if (d.params) entries.push({ binding: entries.length, resource: this.paramsSlot(packParams(d.params)) });
    let layout = this.layouts.get(pipeline);
    if (!layout) this.layouts.set(pipeline, (layout = pipeline.getBindGroupLayout(0)));
    const bindGroup = this.bindGroups.get(layout, entries, d.shader);
    const pass = this.openPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (++this.recorded >= DISPATCHES_PER_SUBMIT) this.submit();
  }

  /** Records a buffer-to-buffer copy in order with the dispatches. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, byteLength: number): void {
    this.assertAlive();
    this.closePass();
    this.openEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, byteLength);
  }

  /** Ends the open pass (before copies, or to separate timed work). */
  closePass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /** Records a pass with no work, carrying timestamp writes that bracket the work around it (timing.ts). */
  emptyPass(timestampWrites: GPUComputePassTimestampWrites): void {
    this.closePass();
    this.openEncoder().beginComputePass({ timestampWrites }).end();
  }

  /** Submits everything recorded so far, with error scopes around it so failures are reported by `sync`. */
  submit(): void {
    if (!this.encoder) return;
    this.closePass();
    const device = this.device;
    const arena = this.paramsArena;
    if (arena) {
      // Queue writes run before the commands submitted after them: every slot is in place for this submit.
      device.queue.writeBuffer(arena.buffer, 0, arena.bytes, 0, arena.used);
      this.paramsArena = null;
      void device.queue.onSubmittedWorkDone().then(() => {
        if (this.spareArenas.length < SPARE_ARENAS) this.spareArenas.push(arena.buffer);
        else arena.buffer.destroy();
      });
    }
    device.pushErrorScope('validation');
    device.pushErrorScope('out-of-memory');
    device.queue.submit([this.encoder.finish()]);
    this.pendingScopes.push(device.popErrorScope(), device.popErrorScope());
    this.encoder = null;
    this.recorded = 0;
  }

  /** Waits for all submitted work and throws the first error it caused (compile error, validation, OOM, lost device). */
  async sync(): Promise<void> {
    this.submit();
    this.assertAlive();
    await this.device.queue.onSubmittedWorkDone();
    await this.throwPendingErrors();
  }

  /** Copies `byteLength` bytes of `buffer` from `byteOffset` back to the CPU. */
  async readBytes(buffer: GPUBuffer, byteOffset = 0, byteLength = buffer.size - byteOffset): Promise<ArrayBuffer> {
    this.assertAlive();
    const size = Math.ceil(byteLength / 4) * 4;
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'readback' });
    this.copy(buffer, byteOffset, staging, 0, size);
    this.submit();
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (cause) {
      this.assertAlive();
      await this.throwPendingErrors();
      throw cause;
    }
    const bytes = staging.getMappedRange().slice(0, byteLength);
    staging.destroy();
    await this.throwPendingErrors();
    return bytes;
  }

  /** `count` f32 values of `buffer` starting at element `offset`. */
  async readF32(buffer: GPUBuffer, offset = 0, count = buffer.size / 4 - offset): Promise<Float32Array> {
    return new Float32Array(await this.readBytes(buffer, offset * 4, count * 4));
  }

  /** `count` u32 values of `buffer` starting at element `offset`. */
  async readU32(buffer: GPUBuffer, offset = 0, count = buffer.size / 4 - offset): Promise<Uint32Array> {
    return new Uint32Array(await this.readBytes(buffer, offset * 4, count * 4));
  }

  /** Releases the device (tests, CLI exit). */
  destroy(): void {
    this.disposed = true;
    this.device.destroy();
  }

  /** A slot of the uniform arena holding `params` (written at the next submit, which comes within DISPATCHES_PER_SUBMIT slots). */
  private paramsSlot(params: ArrayBuffer): GPUBufferBinding {
    if (params.byteLength > PARAMS_SLOT) throw new RangeError(`a kernel's Params take ${params.byteLength} bytes, more than the ${PARAMS_SLOT} of a slot`);
    this.paramsArena ??= {
      buffer:
        this.spareArenas.pop() ??
        this.device.createBuffer({ size: DISPATCHES_PER_SUBMIT * PARAMS_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'params-arena' }),
      bytes: new Uint8Array(DISPATCHES_PER_SUBMIT * PARAMS_SLOT),
      used: 0,
    };
    const arena = this.paramsArena;
    const offset = arena.used;
    arena.bytes.set(new Uint8Array(params), offset);
    arena.used += PARAMS_SLOT;
    return { buffer: arena.buffer, offset, size: params.byteLength };
  }

  private openEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: 'trajectory-lab' });
    return this.encoder;
  }

  private openPass(): GPUComputePassEncoder {
    if (!this.pass) {
      this.pass = this.openEncoder().beginComputePass();
    }
    return this.pass;
  }

  private async throwPendingErrors(): Promise<void> {
    const scopes = this.pendingScopes;
    this.pendingScopes = [];
    const errors = (await Promise.all(scopes)).filter((e): e is GPUError => e !== null);
    errors.push(...this.uncaptured.splice(0));
    if (errors.length === 0) return;
    // A compile error explains a validation error better than "invalid pipeline".
    for (const shader of this.pipelines.shadersInUse()) await this.pipelines.check(shader);
    const first = errors[0];
    const kind = first instanceof GPUOutOfMemoryError ? 'out-of-memory' : first instanceof GPUValidationError ? 'validation' : 'internal';
    throw new GpuOperationError(kind, first.message);
  }
}

function summarize(info: GPUAdapterInfo, device: GPUDevice, isFallbackAdapter: boolean): AdapterSummary {
  const l = device.limits;
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    device: info.device || '',
    description: info.description || '',
    isFallbackAdapter,
    features: {
      shaderF16: device.features.has('shader-f16'),
      subgroups: device.features.has('subgroups'),
      timestampQuery: device.features.has('timestamp-query'),
    },
    limits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
  };
}

function copyPadded(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
  padded.set(bytes);
  return padded;
}
