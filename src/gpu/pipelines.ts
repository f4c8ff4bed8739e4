import { ShaderCompileError } from './errors';
import { shaderSource } from './shaders';

/** Compile-time knobs of a kernel: WGSL `override` constants (STYLE §2). */
export type OverrideConstants = Record<string, number>;

/**
 * Compute pipelines cached by shader, entry point and override constants, so a
 * kernel compiles once per configuration. Compilation failures come back as
 * `ShaderCompileError` with the WGSL line and column.
 */
export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly checked = new Set<string>();

  constructor(private readonly device: GPUDevice) {}

  get(shader: string, entryPoint = 'main', constants: OverrideConstants = {}): GPUComputePipeline {
    const key = `${shader}|${entryPoint}|${Object.entries(constants).sort().map(([k, v]) => `${k}=${v}`).join(',')}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.device.createComputePipeline({
        label: key,
        layout: 'auto',
        compute: { module: this.module(shader), entryPoint, constants },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
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

  private module(shader: string): GPUShaderModule {
    let module = this.modules.get(shader);
    if (!module) {
      module = this.device.createShaderModule({ label: shader, code: shaderSource(shader) });
      this.modules.set(shader, module);
    }
    return module;
  }
}
