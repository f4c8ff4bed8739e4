/**
 * Bind groups kept for reuse, keyed by layout and bound ranges. A training
 * step binds the same buffers (and, with the context's recycled Params arenas,
 * the same uniform slots) at every step, and creating a bind group is a call
 * into the GPU process each time: in Chromium, recording a 20-dispatch SAE
 * step spent about as long creating them as an emulated adapter spends on a
 * small kernel. Least recently used entries go first beyond `capacity`.
 */
export class BindGroupCache {
  private readonly groups = new Map<string, GPUBindGroup>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor(
    private readonly device: GPUDevice,
    private readonly capacity: number,
  ) {}

  get(layout: GPUBindGroupLayout, entries: readonly GPUBindGroupEntry[], label: string): GPUBindGroup {
    let key = `${this.id(layout)}`;
    for (const e of entries) {
      const r = e.resource as GPUBufferBinding;
      key += `|${this.id(r.buffer)}:${r.offset ?? 0}:${r.size ?? ''}`;
    }
    let group = this.groups.get(key);
    if (group) {
      // Most recently used last: Map keeps insertion order.
      this.groups.delete(key);
    } else {
      group = this.device.createBindGroup({ layout, entries, label });
      if (this.groups.size >= this.capacity) this.groups.delete(this.groups.keys().next().value!);
    }
    this.groups.set(key, group);
    return group;
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) this.ids.set(o, (id = this.nextId++));
    return id;
  }
}
