import type { AdapterSummary } from '../gpu/context';
import { formatBytes } from '../data/format';

/** The adapter the lab runs on, as WebGPU reports it (GpuContext.summary). */
export function AdapterPanel({ summary, lost }: { summary: AdapterSummary; lost: boolean }) {
  const { features, limits } = summary;
  return (
    <section className="panel" data-testid="adapter-panel">
      <header className="panel-header">
        <h2>WebGPU adapter</h2>
        <span className={lost ? 'status bad' : 'status good'} data-testid="device-status">
          {lost ? 'device lost' : 'device ready'}
        </span>
      </header>
      <div className="panel-columns">
        <dl className="facts">
          <Fact label="Vendor" id="vendor" value={summary.vendor} />
          <Fact label="Architecture" id="architecture" value={summary.architecture} />
          <Fact label="Device" id="device" value={summary.device || '—'} />
          <Fact label="Description" id="description" value={summary.description || '—'} />
          <Fact
            label="Fallback adapter"
            id="fallback"
            value={summary.isFallbackAdapter ? 'yes (CPU emulation, slow)' : 'no'}
            raw={String(summary.isFallbackAdapter)}
          />
          <Fact label="Cross-origin isolated" id="isolated" value={globalThis.crossOriginIsolated ? 'yes' : 'no (wasm runs single-threaded)'} />
        </dl>
        <div>
          <h3>Features</h3>
          <ul className="features">
            <Feature name="shader-f16" on={features.shaderF16} use="f16 storage and arithmetic in kernels" />
            <Feature name="subgroups" on={features.subgroups} use="subgroup reductions" />
            <Feature name="timestamp-query" on={features.timestampQuery} use="GPU-side kernel timing" />
          </ul>
          <h3>Limits</h3>
          <dl className="facts limits">
            <Limit label="Max storage binding" id="maxStorageBufferBindingSize" bytes={limits.maxStorageBufferBindingSize} />
            <Limit label="Max buffer size" id="maxBufferSize" bytes={limits.maxBufferSize} />
            <Limit label="Workgroup storage" id="maxComputeWorkgroupStorageSize" bytes={limits.maxComputeWorkgroupStorageSize} />
            <Fact label="Invocations per workgroup" id="maxComputeInvocationsPerWorkgroup" value={String(limits.maxComputeInvocationsPerWorkgroup)} />
            <Fact label="Workgroups per dimension" id="maxComputeWorkgroupsPerDimension" value={String(limits.maxComputeWorkgroupsPerDimension)} />
            <Fact label="Storage buffers per stage" id="maxStorageBuffersPerShaderStage" value={String(limits.maxStorageBuffersPerShaderStage)} />
          </dl>
        </div>
      </div>
    </section>
  );
}

function Fact({ label, id, value, raw = value }: { label: string; id: string; value: string; raw?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={`adapter-${id}`} data-value={raw}>
        {value}
      </dd>
    </>
  );
}

/** A byte limit: readable units, with the exact value (what the e2e test compares) in a data attribute. */
function Limit({ label, id, bytes }: { label: string; id: string; bytes: number }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={`adapter-${id}`} data-value={bytes} title={`${bytes} bytes`}>
        {formatBytes(bytes)}
      </dd>
    </>
  );
}

function Feature({ name, on, use }: { name: string; on: boolean; use: string }) {
  return (
    <li className={on ? 'feature on' : 'feature off'} data-testid={`feature-${name}`} data-present={on}>
      <span className="mark" aria-hidden>
        {on ? '✓' : '✗'}
      </span>
      <code>{name}</code>
      <span className="muted">{on ? use : `not offered (no ${use})`}</span>
    </li>
  );
}
