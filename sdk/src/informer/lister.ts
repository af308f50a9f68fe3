// Read access to an informer's cache: get one object, list with selectors, look up an
// index. Refuses to answer before the informer's first list is in the cache: an empty
// cache is not "nothing exists" (a kubelet that reconciles against it kills every pod).
import { fieldsOf, parseFieldSelector, type FieldMatcher } from "../selectors/field-selector.js";
import { EVERYTHING, parseLabelSelector, type LabelMatcher } from "../selectors/label-selector.js";
import { keyOf, NAMESPACE_INDEX, type ApiObjectLike, type IndexedStore } from "./indexed-store.js";

export class CacheNotSyncedError extends Error {
  constructor(readonly kind: string) {
    super(`the ${kind} informer has not synced yet: wait for it (waitForSync) before reading`);
    this.name = "CacheNotSyncedError";
  }
}

export interface ListFilter {
  /** Only this namespace ("" or absent: every namespace). */
  readonly namespace?: string;
  /** A label selector, as a string ("app=web,tier!=db") or parsed. */
  readonly labelSelector?: string | LabelMatcher;
  /** A field selector, e.g. "spec.nodeName=node-1" (the fields the kind supports). */
  readonly fieldSelector?: string | FieldMatcher;
}

export class Lister<T extends ApiObjectLike> {
  constructor(
    readonly kind: string,
    private readonly store: IndexedStore<T>,
    private readonly synced: () => boolean,
  ) {}

  private check(): void {
    if (!this.synced()) throw new CacheNotSyncedError(this.kind);
  }

  /** The object `name` in `namespace` ("" for cluster-scoped kinds). */
  get(namespace: string, name: string): T | undefined {
    this.check();
    return this.store.get(keyOf(namespace, name));
  }

  /** The object at a workqueue key ("namespace/name" or "name"). */
  getByKey(key: string): T | undefined {
    this.check();
    return this.store.get(key);
  }

  /** Objects matching `filter`: a label selector string, a parsed one, or a ListFilter. */
  list(filter: string | LabelMatcher | ListFilter = {}): T[] {
    this.check();
    const f: ListFilter =
      typeof filter === "string" || isLabelMatcher(filter) ? { labelSelector: filter } : filter;
    const labels =
      f.labelSelector === undefined
        ? EVERYTHING
        : typeof f.labelSelector === "string"
          ? parseLabelSelector(f.labelSelector)
          : f.labelSelector;
    const fields =
      f.fieldSelector === undefined
        ? undefined
        : typeof f.fieldSelector === "string"
          ? parseFieldSelector(this.kind, f.fieldSelector)
          : f.fieldSelector;
    const candidates =
      f.namespace === undefined || f.namespace === ""
        ? this.store.list()
        : this.store.byIndex(NAMESPACE_INDEX, f.namespace);
    if (labels === EVERYTHING && fields === undefined) return candidates;
    return candidates.filter(
      (o) =>
        labels.matches(o.metadata?.labels) &&
        (fields === undefined ||
          fields.matches(fieldsOf(this.kind, o as Parameters<typeof fieldsOf>[1]))),
    );
  }

  /** Objects whose index `indexName` has `value` (e.g. byIndex("nodeName", "node-1")). */
  byIndex(indexName: string, value: string): T[] {
    this.check();
    return this.store.byIndex(indexName, value);
  }
}

function isLabelMatcher(v: unknown): v is LabelMatcher {
  return typeof v === "object" && v !== null && "requirements" in v && "matches" in v;
}
