// A binary heap whose items have keys: O(log n) push, pop, remove and update by key, O(1)
// lookup. The scheduling queue's active and back-off queues are two of these.
export class KeyedHeap<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<string, number>();

  /** `before(a, b)`: a comes out first. */
  constructor(
    private readonly keyOf: (item: T) => string,
    private readonly before: (a: T, b: T) => boolean,
  ) {}

  get size(): number {
    return this.items.length;
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds the item, or replaces the item with the same key (and restores the order). */
  push(item: T): void {
    const key = this.keyOf(item);
    const at = this.index.get(key);
    if (at !== undefined) {
      this.items[at] = item;
      this.fix(at);
      return;
    }
    this.items.push(item);
    this.index.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top === undefined) return undefined;
    this.removeAt(0);
    return top;
  }

  remove(key: string): T | undefined {
    const at = this.index.get(key);
    if (at === undefined) return undefined;
    const item = this.items[at];
    this.removeAt(at);
    return item;
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  private removeAt(at: number): void {
    const last = this.items.length - 1;
    const item = this.items[at];
    if (item !== undefined) this.index.delete(this.keyOf(item));
    if (at !== last) {
      const moved = this.items[last];
      if (moved !== undefined) {
        this.items[at] = moved;
        this.index.set(this.keyOf(moved), at);
      }
    }
    this.items.pop();
    if (at < this.items.length) this.fix(at);
  }

  private fix(at: number): void {
    if (!this.up(at)) this.down(at);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i];
    const b = this.items[j];
    if (a === undefined || b === undefined) return;
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(this.keyOf(b), i);
    this.index.set(this.keyOf(a), j);
  }

  /** Moves the item at `at` up while it belongs before its parent; whether it moved. */
  private up(at: number): boolean {
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const item = this.items[i];
      const p = this.items[parent];
      if (item === undefined || p === undefined || !this.before(item, p)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i !== at;
  }

  private down(at: number): void {
    let i = at;
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      const left = this.items[l];
      const right = this.items[r];
      const current = this.items[best];
      if (l < n && left !== undefined && current !== undefined && this.before(left, current))
        best = l;
      const bestItem = this.items[best];
      if (r < n && right !== undefined && bestItem !== undefined && this.before(right, bestItem))
        best = r;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}
