/**
 * Heavy objects (GPU contexts, later ORT sessions and GPU buffers) live here,
 * outside the zustand store: the store holds only their ids, so it stays plain,
 * serialisable data and re-renders never compare live handles.
 */
export class Registry<T> {
  private readonly items = new Map<string, T>();
  private next = 1;

  constructor(private readonly kind: string) {}

  /** Stores `item` and returns its new id (`<kind>-<n>`). */
  add(item: T): string {
    const id = `${this.kind}-${this.next++}`;
    this.items.set(id, item);
    return id;
  }

  get(id: string): T {
    const item = this.items.get(id);
    if (item === undefined) {
      throw new Error(`No ${this.kind} with id "${id}". Known: ${[...this.items.keys()].join(', ') || 'none'}`);
    }
    return item;
  }

  delete(id: string): void {
    this.items.delete(id);
  }
}
