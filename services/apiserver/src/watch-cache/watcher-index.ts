// Which watchers an event can concern, without testing every watcher of a kind on every
// event: a watcher of one namespace can only match objects of that namespace (a namespace
// never changes), and a watcher selecting spec.nodeName=X (a kubelet) only pods on X now or
// before the change. Everything else is checked on every event. The index only narrows
// the candidates; the selectors still decide (deliveryFor).
import type { WatchFilter } from "./watch-cache.js";

interface Indexed {
  readonly filter: WatchFilter;
}

type Bucket =
  { readonly by: "namespace" | "node"; readonly key: string } | { readonly by: "everywhere" };

function bucketOf(filter: WatchFilter): Bucket {
  if (filter.namespace !== "") return { by: "namespace", key: filter.namespace };
  const node = filter.fields?.requirements.find(
    (r) => r.field === "spec.nodeName" && r.operator === "=",
  );
  if (node !== undefined) return { by: "node", key: node.value };
  return { by: "everywhere" };
}

export class WatcherIndex<W extends Indexed> {
  private readonly everywhere = new Set<W>();
  private readonly byNamespace = new Map<string, Set<W>>();
  private readonly byNode = new Map<string, Set<W>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(w: W): void {
    const b = bucketOf(w.filter);
    const set =
      b.by === "everywhere"
        ? this.everywhere
        : setIn(b.by === "namespace" ? this.byNamespace : this.byNode, b.key);
    if (!set.has(w)) this.count++;
    set.add(w);
  }

  delete(w: W): void {
    const b = bucketOf(w.filter);
    if (b.by === "everywhere") {
      if (this.everywhere.delete(w)) this.count--;
      return;
    }
    const map = b.by === "namespace" ? this.byNamespace : this.byNode;
    const set = map.get(b.key);
    if (set?.delete(w) === true) {
      this.count--;
      if (set.size === 0) map.delete(b.key);
    }
  }

  /** Every watcher, once. */
  *all(): Generator<W> {
    yield* this.everywhere;
    for (const s of this.byNamespace.values()) yield* s;
    for (const s of this.byNode.values()) yield* s;
  }

  /** The watchers an event on an object in `namespace`, on `nodeNow` / `nodeBefore`, may concern; each once. */
  *candidates(
    namespace: string,
    nodeNow: string | undefined,
    nodeBefore: string | undefined,
  ): Generator<W> {
    yield* this.everywhere;
    const inNamespace = this.byNamespace.get(namespace);
    if (inNamespace !== undefined) yield* inNamespace;
    if (nodeNow !== undefined) {
      const onNode = this.byNode.get(nodeNow);
      if (onNode !== undefined) yield* onNode;
    }
    if (nodeBefore !== undefined && nodeBefore !== nodeNow) {
      const wasOnNode = this.byNode.get(nodeBefore);
      if (wasOnNode !== undefined) yield* wasOnNode;
    }
  }
}

function setIn<W>(map: Map<string, Set<W>>, key: string): Set<W> {
  let s = map.get(key);
  if (s === undefined) {
    s = new Set();
    map.set(key, s);
  }
  return s;
}
