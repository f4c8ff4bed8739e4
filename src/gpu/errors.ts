/** Errors the GPU layer raises. Each names what went wrong in words a researcher can act on. */

/** A request exceeded one of the adapter's limits (WebGPU spec §3.6 "limits"). */
export class GpuLimitError extends Error {
  constructor(
    readonly limit: string,
    readonly requested: number,
    readonly allowed: number,
    what: string,
  ) {
    super(`${what} needs ${limit} = ${requested}, but this adapter allows at most ${allowed}`);
    this.name = 'GpuLimitError';
  }
}

/** The device is gone (driver reset, tab in background too long, destroy()). Nothing queued after this runs. */
export class GpuDeviceLostError extends Error {
  /** What happened, without the advice: "The GPU device was lost (reason): the device's message". */
  readonly what: string;

  constructor(readonly reason: string, message: string) {
    // Dawn's messages end with a full stop ("Device was destroyed."); callers add their own sentences after `what`.
    const what = `The GPU device was lost (${reason || 'unknown reason'}): ${message.replace(/\.$/, '') || 'no message'}`;
    super(`${what}. Reload the page or restart the command to get a new device.`);
    this.what = what;
    this.name = 'GpuDeviceLostError';
  }
}

/** A validation or out-of-memory error reported by the device for work we submitted. */
export class GpuOperationError extends Error {
  constructor(readonly kind: 'validation' | 'out-of-memory' | 'internal', message: string) {
    super(`GPU ${kind} error: ${message}`);
    this.name = 'GpuOperationError';
  }
}

/** WGSL that failed to compile, with the shader's file name and the line and column of the first error. */
export class ShaderCompileError extends Error {
  constructor(readonly shader: string, readonly line: number, readonly column: number, detail: string) {
    super(`shaders/${shader}.wgsl:${line}:${column}: ${detail}`);
    this.name = 'ShaderCompileError';
  }
}

/** WebGPU is not available here at all; `reason` says why and what to do. */
export class NoWebGpuError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NoWebGpuError';
  }
}
