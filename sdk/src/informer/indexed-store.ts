// The informer's cache: objects by key ("namespace/name", or "name" for cluster-scoped
// kinds) with secondary indexes computed by functions (the namespace index is built in;
// e.g. pods by spec.nodeName). Every change updates the object and its index entries in
// one synchronous step, so a reader never sees an object without its index entries. An
// index function that throws leaves that object out of that index (reported), never
// half-updates the store.
// Objects are shared with handlers and listers: treat them as read-only.
import type { ObjectMeta } from "../gen/k8ts/api/v1/meta.js";

/** Any API object: every kind has metadata. */
export interface ApiObjectLike {
  metadata?: ObjectMeta | undefined;
}

/** The values an object is indexed under (none: not in the index). */
export type IndexFunc<T> = (object: T) => readonly string[];

export const NAMESPACE_INDEX = "namespace";

/** "namespace/name", or "name" when the object has no namespace. */
export function objectKey(object: ApiObjectLike): string {
  const ns = object.metadata?.namespace ?? "";
  const name = object.metadata?.name ?? "";
  return ns === "" ? name : `${ns}/${name}`;
}

/** The key of `name` in `namespace` ("" for cluster-scoped kinds). */
export function keyOf(namespace: string, name: string): string {
  return namespace === "" ? name : `${namespace}/${name}`;
}

export class IndexedStore<T extends ApiObjectLike> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name -> value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  /** key -> index name -> the values it was indexed under (removal needs no recomputing). */
  private readonly indexed = new Map<string, Map<string, readonly string[]>>();

  /** `onIndexError`: an index function threw; the object is left out of that index. */
  constructor(
    private readonly onIndexError: (index: string, key: string, error: unknown) => void = () =>
      undefined,
  ) {
    this.addIndexer(NAMESPACE_INDEX, (o) => [o.metadata?.namespace ?? ""]);
  }

  private compute(name: string, fn: IndexFunc<T>, key: string, object: T): readonly string[] {
    try {
      return fn(object);
    } catch (e) {
      this.onIndexError(name, key, e);
      return [];
    }
  }

  /**
   * Adds an index; existing objects are indexed at once. Names are unique; adding the same
   * function under the same name again is a no-op (so a component that registers its
   * indexes each time it starts, e.g. each leadership term, can share one informer).
   */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.get(name) === fn) return;
    if (this.indexers.has(name)) throw new Error(`indexer ${JSON.stringify(name)} already exists`);
    const computed = new Map<string, readonly string[]>();
    for (const [key, object] of this.items) computed.set(key, this.compute(name, fn, key, object));
    const index = new Map<string, Set<string>>();
    for (const [key, values] of computed) {
      addEntries(index, values, key);
      this.indexed.get(key)?.set(name, values);
    }
    this.indexers.set(name, fn);
    this.indices.set(name, index);
  }

  hasIndexer(name: string): boolean {
    return this.indexers.has(name);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  get size(): number {
    return this.items.size;
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  list(): T[] {
    return [...this.items.values()];
  }

  /** Adds or replaces the object at `key`; returns the previous one. */
  set(key: string, object: T): T | undefined {
    const values = new Map<string, readonly string[]>();
    for (const [name, fn] of this.indexers) values.set(name, this.compute(name, fn, key, object));
    const previous = this.items.get(key);
    this.unindex(key);
    this.items.set(key, object);
    this.indexed.set(key, values);
    for (const [name, vs] of values) {
      const index = this.indices.get(name);
      if (index !== undefined) addEntries(index, vs, key);
    }
    return previous;
  }

  /** Removes the object at `key`; returns it. */
  delete(key: string): T | undefined {
    const previous = this.items.get(key);
    if (previous === undefined) return undefined;
    this.unindex(key);
    this.items.delete(key);
    return previous;
  }

  /** Replaces the whole content (a relist). */
  replace(objects: ReadonlyMap<string, T>): void {
    this.items.clear();
    this.indexed.clear();
    for (const index of this.indices.values()) index.clear();
    for (const [key, object] of objects) this.set(key, object);
  }

  private unindex(key: string): void {
    const values = this.indexed.get(key);
    if (values === undefined) return;
    this.indexed.delete(key);
    for (const [name, vs] of values) {
      const index = this.indices.get(name);
      if (index !== undefined) removeEntries(index, vs, key);
    }
  }

  /** Objects whose index `name` has `value`. Throws for an unknown index. */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (index === undefined) throw new Error(`no indexer ${JSON.stringify(name)}`);
    const out: T[] = [];
    for (const key of index.get(value) ?? []) {
      const o = this.items.get(key);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  /** The values index `name` currently holds. */
  indexValues(name: string): string[] {
    const index = this.indices.get(name);
    if (index === undefined) throw new Error(`no indexer ${JSON.stringify(name)}`);
    return [...index.keys()];
  }
}

function addEntries(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
  for (const v of values) {
    let keys = index.get(v);
    if (keys === undefined) {
      keys = new Set();
      index.set(v, keys);
    }
    keys.add(key);
  }
}

function removeEntries(
  index: Map<string, Set<string>>,
  values: readonly string[],
  key: string,
): void {
  for (const v of values) {
    const keys = index.get(v);
    if (keys === undefined) continue;
    keys.delete(key);
    if (keys.size === 0) index.delete(v);
  }
}
