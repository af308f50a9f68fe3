// The garbage collector's graph of owner references, built from the informers of every
// kind: each observed object (by uid) with its owner references, and for each owner uid
// the uids of the objects that reference it. The dependent links come from the dependents'
// own references, so they hold whether or not the owner was ever observed: an owner that
// is referenced but in no cache is "virtual" (perhaps a cache that lags, perhaps gone for
// good; only a live read can tell). The graph never decides anything: observe() and
// remove() say which uids need a look (attemptToDelete / attemptToOrphan, as Kubernetes'
// GraphBuilder), and the workers decide from live reads.
import type { ApiObjectLike } from "@k8ts/sdk";
import type { OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { isBeingDeleted, isDeletingDependents, isOrphaningDependents } from "./deletion-state.js";

/** What the graph keeps of one observed object. */
export interface GraphObject {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly owners: readonly OwnerReference[];
  readonly beingDeleted: boolean;
  /** deletionTimestamp and the foregroundDeletion finalizer. */
  readonly deletingDependents: boolean;
  /** deletionTimestamp and the orphan finalizer. */
  readonly orphaningDependents: boolean;
}

/** The graph's view of `object` of `kind`; undefined for an object without uid. */
export function graphObject(kind: string, object: ApiObjectLike): GraphObject | undefined {
  const meta = object.metadata;
  if (meta === undefined || meta.uid === "") return undefined;
  return {
    kind,
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    owners: meta.ownerReferences,
    beingDeleted: isBeingDeleted(meta),
    deletingDependents: isDeletingDependents(meta),
    orphaningDependents: isOrphaningDependents(meta),
  };
}

/** Uids to look at after a change of the graph. */
export interface GraphWork {
  readonly attemptToDelete: ReadonlySet<string>;
  readonly attemptToOrphan: ReadonlySet<string>;
}

/** A reference to a virtual owner, with the namespace of the dependent that holds it. */
export interface VirtualOwner {
  readonly reference: OwnerReference;
  readonly dependentNamespace: string;
}

class Work implements GraphWork {
  readonly attemptToDelete = new Set<string>();
  readonly attemptToOrphan = new Set<string>();
}

function byUid(refs: readonly OwnerReference[]): Map<string, OwnerReference> {
  const m = new Map<string, OwnerReference>();
  for (const r of refs) if (!m.has(r.uid)) m.set(r.uid, r);
  return m;
}

function blocks(ref: OwnerReference | undefined): boolean {
  return ref?.blockOwnerDeletion === true;
}

export class OwnerGraph {
  private readonly objects = new Map<string, GraphObject>();
  /** owner uid -> uids of the observed objects that reference it. */
  private readonly dependentUids = new Map<string, Set<string>>();

  /** Observed objects. */
  get size(): number {
    return this.objects.size;
  }

  /** Owners referenced by an observed object but not observed themselves. */
  get virtualOwners(): number {
    let n = 0;
    for (const uid of this.dependentUids.keys()) if (!this.objects.has(uid)) n++;
    return n;
  }

  /** The observed object `uid` (undefined if virtual or unknown). */
  get(uid: string): GraphObject | undefined {
    return this.objects.get(uid);
  }

  /** Whether `uid` is referenced as an owner but not observed. */
  isVirtual(uid: string): boolean {
    return !this.objects.has(uid) && this.dependentUids.has(uid);
  }

  /** The observed objects that reference `uid` as an owner. */
  dependents(uid: string): GraphObject[] {
    const out: GraphObject[] = [];
    for (const d of this.dependentUids.get(uid) ?? []) {
      const o = this.objects.get(d);
      if (o !== undefined) out.push(o);
    }
    return out;
  }

  /** The dependents whose reference to `uid` has blockOwnerDeletion=true. */
  blockingDependents(uid: string): GraphObject[] {
    return this.dependents(uid).filter((d) => blocks(d.owners.find((r) => r.uid === uid)));
  }

  /** Where a virtual owner would be found: a reference to it and its dependent's namespace. */
  virtualOwner(uid: string): VirtualOwner | undefined {
    if (this.objects.has(uid)) return undefined;
    for (const d of this.dependents(uid)) {
      const reference = d.owners.find((r) => r.uid === uid);
      if (reference !== undefined) return { reference, dependentNamespace: d.namespace };
    }
    return undefined;
  }

  /** Records an added or changed object; says which uids now need a look. */
  observe(object: GraphObject): GraphWork {
    const work = new Work();
    const old = this.objects.get(object.uid);
    this.objects.set(object.uid, object);
    const before = byUid(old?.owners ?? []);
    const after = byUid(object.owners);
    for (const ownerUid of before.keys()) {
      if (after.has(ownerUid)) continue;
      this.unlink(ownerUid, object.uid);
      // A foreground deletion may have been waiting for this reference to go.
      if (this.objects.get(ownerUid)?.deletingDependents === true)
        work.attemptToDelete.add(ownerUid);
    }
    for (const [ownerUid, ref] of after) {
      const previous = before.get(ownerUid);
      const owner = this.objects.get(ownerUid);
      if (previous === undefined) {
        this.link(ownerUid, object.uid);
        if (owner === undefined) {
          // A virtual owner: it exists (a lagging cache) or it is gone; a live read decides.
          work.attemptToDelete.add(ownerUid);
        } else {
          if (owner.deletingDependents) work.attemptToDelete.add(object.uid);
          if (owner.orphaningDependents) work.attemptToOrphan.add(ownerUid);
        }
      } else if (blocks(previous) !== blocks(ref) && owner?.deletingDependents === true) {
        work.attemptToDelete.add(ownerUid);
      }
    }
    if (object.orphaningDependents && old?.orphaningDependents !== true)
      work.attemptToOrphan.add(object.uid);
    if (object.deletingDependents && old?.deletingDependents !== true) {
      work.attemptToDelete.add(object.uid);
      for (const d of this.dependentUids.get(object.uid) ?? []) work.attemptToDelete.add(d);
    }
    return work;
  }

  /**
   * Forgets a deleted object. Its dependents need a look (their owner may be gone), and so
   * do its owners that wait in a foreground deletion. The links of its dependents stay:
   * it is a virtual owner now, until they drop the reference or go.
   */
  remove(uid: string): GraphWork {
    const work = new Work();
    const object = this.objects.get(uid);
    if (object === undefined) return work;
    this.objects.delete(uid);
    for (const ownerUid of byUid(object.owners).keys()) {
      this.unlink(ownerUid, uid);
      if (this.objects.get(ownerUid)?.deletingDependents === true)
        work.attemptToDelete.add(ownerUid);
    }
    for (const d of this.dependentUids.get(uid) ?? []) work.attemptToDelete.add(d);
    return work;
  }

  private link(ownerUid: string, dependentUid: string): void {
    let set = this.dependentUids.get(ownerUid);
    if (set === undefined) {
      set = new Set();
      this.dependentUids.set(ownerUid, set);
    }
    set.add(dependentUid);
  }

  private unlink(ownerUid: string, dependentUid: string): void {
    const set = this.dependentUids.get(ownerUid);
    if (set === undefined) return;
    set.delete(dependentUid);
    if (set.size === 0) this.dependentUids.delete(ownerUid);
  }
}
