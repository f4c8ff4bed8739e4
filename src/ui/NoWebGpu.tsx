/** Shown instead of the lab when there is no WebGPU; `reason` (NoWebGpuError) says why and what to do. */
export function NoWebGpu({ reason }: { reason: string }) {
  return (
    <section className="panel no-webgpu" data-testid="no-webgpu">
      <h2>WebGPU is not available</h2>
      <p className="reason" data-testid="no-webgpu-reason">
        {reason}
      </p>
      <p className="muted">
        Every stage of the lab — activation capture, dynamics, SAE training, steering — runs on WebGPU, so none of it can
        start here. <code>chrome://gpu</code> shows whether WebGPU is enabled in this browser, and why not.
      </p>
    </section>
  );
}
