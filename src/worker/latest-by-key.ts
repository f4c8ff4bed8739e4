/**
 * One value kept while its key stays the same: asking with the same key
 * returns the value loaded before; asking with a new key loads anew and
 * hands the old value to `release` (GPU copies destroyed, memory let go).
 * A load that fails is not kept, so the next ask tries again.
 */
export class LatestByKey<V> {
  private held: { key: string; value: Promise<V> } | null = null;

  constructor(private readonly release: (value: V) => void) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    if (this.held?.key === key) return this.held.value;
    this.drop();
    const value = load();
    const held = { key, value };
    this.held = held;
    value.catch(() => {
      if (this.held === held) this.held = null;
    });
    return value;
  }

  /** Releases the value held unless its key passes `keep`. */
  dropUnless(keep: (key: string) => boolean): void {
    if (this.held && !keep(this.held.key)) this.drop();
  }

  /** Releases the value held, if any. */
  drop(): void {
    const old = this.held;
    this.held = null;
    old?.value.then(this.release, () => {});
  }
}
