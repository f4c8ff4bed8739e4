import { GpuOperationError, ShaderCompileError } from './errors';
import { shaderSource } from './shaders';

/** Compile-time knobs of a kernel: WGSL `override` constants, so the source stays static. */
export type OverrideConstants = Record<string, number>;

/** What one compute pipeline is: a shader (file name in `shaders/`, or `<name>@f16`), an entry point and its override constants. */
export interface PipelineKey {
  shader: string;
  /** Default 'main'. */
  entryPoint?: string;
  constants?: OverrideConstants;
}

/** When, how and how long one pipeline compiled (wall time on the JS thread's clock). */
export interface CompileRecord {
  key: string;
  /** 'prewarm': ahead of use; 'dispatch': at its first dispatch, on the caller's critical path. */
  when: 'prewarm' | 'dispatch';
  /** createComputePipelineAsync or createComputePipeline. */
  api: 'async' | 'sync';
  ms: number;
}

/** The cache key of a pipeline: shader, entry point and sorted constants. */
export function pipelineKey({ shader, entryPoint = 'main', constants = {} }: PipelineKey): string {
  return `${shader}|${entryPoint}|${Object.entries(constants).sort().map(([k, v]) => `${k}=${v}`).join(',')}`;
}

/**
 * Compute pipelines cached by shader, entry point and override constants, so a
 * kernel compiles once per configuration.
 *
 * Compilation is off the critical path where the caller knows ahead what it
 * will run: `prewarm(keys)` compiles with createComputePipelineAsync (Dawn
 * compiles on worker threads, several at once, and the JS thread stays free),
 * typically when a page opens or a flow is configured; `ready()` resolves
 * once everything asked for is compiled. Dispatch stays synchronous: `get`
 * returns the compiled pipeline, or, for a pipeline nobody prewarmed (or one
 * still compiling), compiles it synchronously as before (WebGPU allows no
 * waiting inside a recording), so a flow that awaits `ready()` before its
 * first dispatch never compiles on its critical path.
 *
 * Compilation failures come back as `ShaderCompileError` with the WGSL line and
 * column (from `prewarm`, or from `GpuContext.sync` after a dispatch).
 */
export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly compiling = new Map<string, Promise<void>>();
  private readonly checked = new Set<string>();
  /** Every compilation, in order: what `prewarm` saved and what first dispatches still paid. */
  readonly compiles: CompileRecord[] = [];
  private idleChain: Promise<void> = Promise.resolve();
  /**
   * Whether `prewarm` uses createComputePipelineAsync (default). Off, it
   * compiles one pipeline at a time with createComputePipeline, yielding to
   * the event loop between them: node-gpu.ts turns it off because Dawn's Node
   * bindings (webgpu 0.6.2) poll for the completion from the JS thread while
   * async work is pending, which made async compilation 2–3× slower than
   * sync on a 2-core machine (bench/linalg/pipelines.ts).
   */
  compileAsync = true;

  constructor(private readonly device: GPUDevice) {}

  get(shader: string, entryPoint = 'main', constants: OverrideConstants = {}): GPUComputePipeline {
    const key = pipelineKey({ shader, entryPoint, constants });
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const start = performance.now();
      pipeline = this.device.createComputePipeline(this.descriptor(key, { shader, entryPoint, constants }));
      this.compiles.push({ key, when: 'dispatch', api: 'sync', ms: performance.now() - start });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  /** Whether the pipeline is compiled (a dispatch of it will not compile). */
  has(key: PipelineKey): boolean {
    return this.pipelines.has(pipelineKey(key));
  }

  /**
   * Starts compiling every pipeline of `keys` not compiled or compiling yet,
   * all at once, with createComputePipelineAsync (or see `compileAsync`). Resolves when they are all
   * compiled; rejects with the first failure (a ShaderCompileError naming the
   * WGSL line where the shader does not compile). Safe to call again with
   * overlapping keys: each pipeline compiles once.
   */
  prewarm(keys: Iterable<PipelineKey>): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const k of keys) {
      const key = pipelineKey(k);
      if (this.pipelines.has(key)) continue;
      let compile = this.compiling.get(key);
      if (!compile) {
        compile = this.compileAsync ? this.compileAhead(key, k) : this.compileWhenIdle(key, k);
        this.compiling.set(key, compile);
      }
      pending.push(compile);
    }
    return Promise.all(pending).then(() => undefined);
  }

  /** Resolves when every pipeline asked for by `prewarm` so far is compiled (at once when none is compiling). */
  async ready(): Promise<void> {
    while (this.compiling.size > 0) await Promise.all(this.compiling.values());
  }

  /** Throws `ShaderCompileError` if the shader has compile errors. Called once per shader by `GpuContext.sync`. */
  async check(shader: string): Promise<void> {
    if (this.checked.has(shader)) return;
    const info = await this.module(shader).getCompilationInfo();
    const error = info.messages.find((m) => m.type === 'error');
    if (error) throw new ShaderCompileError(shader, error.lineNum, error.linePos, error.message);
    this.checked.add(shader);
  }

  shadersInUse(): string[] {
    return [...this.modules.keys()];
  }

  private async compileAhead(key: string, k: PipelineKey): Promise<void> {
    const start = performance.now();
    try {
      const pipeline = await this.device.createComputePipelineAsync(this.descriptor(key, k));
      // A synchronous `get` may have compiled it meanwhile; keep the one already in use.
      if (!this.pipelines.has(key)) this.pipelines.set(key, pipeline);
      this.compiles.push({ key, when: 'prewarm', api: 'async', ms: performance.now() - start });
    } catch (cause) {
      // A GPUPipelineError says only "invalid shader module"; the compilation info has the line.
      await this.check(k.shader);
      throw cause instanceof Error ? new GpuOperationError('validation', `pipeline ${key}: ${cause.message}`) : cause;
    } finally {
      this.compiling.delete(key);
    }
  }

  /** Sync compilation, one pipeline per macrotask, in `prewarm` order; errors surface as with the async path. */
  private compileWhenIdle(key: string, k: PipelineKey): Promise<void> {
    const previous = this.idleChain;
    const compile = previous.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.pipelines.has(key)) return;
      const start = performance.now();
      this.device.pushErrorScope('validation');
      const pipeline = this.device.createComputePipeline(this.descriptor(key, k));
      const error = await this.device.popErrorScope();
      if (error) {
        await this.check(k.shader);
        throw new GpuOperationError('validation', `pipeline ${key}: ${error.message}`);
      }
      this.pipelines.set(key, pipeline);
      this.compiles.push({ key, when: 'prewarm', api: 'sync', ms: performance.now() - start });
    });
    this.idleChain = compile.catch(() => {});
    return compile.finally(() => this.compiling.delete(key));
  }

  private descriptor(key: string, { shader, entryPoint = 'main', constants = {} }: PipelineKey): GPUComputePipelineDescriptor {
    return { label: key, layout: 'auto', compute: { module: this.module(shader), entryPoint, constants } };
  }

  private module(shader: string): GPUShaderModule {
    let module = this.modules.get(shader);
    if (!module) {
      module = this.device.createShaderModule({ label: shader, code: shaderSource(shader) });
      this.modules.set(shader, module);
    }
    return module;
  }
}
