/**
 * GPU copies of CPU-side objects kept resident between passes, so that a
 * pass finds the copy made for an earlier one instead of uploading again
 * (an SD 1.5 SAE and its dynamics are hundreds of MB). Keyed by the CPU
 * object; a copy serves only the device it was made on. Retiring a copy
 * stops new passes from finding it and destroys it when the passes still
 * using it are done.
 */
export interface Destroyable {
  destroy(): void;
}

interface Entry<V> {
  device: object;
  value: V;
  users: number;
  retired: boolean;
}

/** A copy borrowed for one pass: call `done` when the pass ends. */
export interface Borrowed<V> {
  value: V;
  done(): void;
}

export class ResidentUploads<K extends object, V extends Destroyable> {
  private readonly entries = new WeakMap<K, Entry<V>>();

  /** Makes `key`'s copy on `device` resident (uploading it now unless it is already); a copy on another device is retired. */
  keep(key: K, device: object, upload: () => V): void {
    const entry = this.entries.get(key);
    if (entry?.device === device) return;
    if (entry) this.retire(key);
    this.entries.set(key, { device, value: upload(), users: 0, retired: false });
  }

  /** `key`'s resident copy on `device` for one pass, or null (the pass uploads its own). */
  borrow(key: K, device: object): Borrowed<V> | null {
    const entry = this.entries.get(key);
    if (!entry || entry.device !== device) return null;
    entry.users++;
    let returned = false;
    return {
      value: entry.value,
      done: () => {
        if (returned) return;
        returned = true;
        entry.users--;
        if (entry.retired && entry.users === 0) entry.value.destroy();
      },
    };
  }

  /** Forgets `key`'s copy; it is destroyed now, or when the last pass using it is done. */
  retire(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.retired = true;
    if (entry.users === 0) entry.value.destroy();
  }
}
