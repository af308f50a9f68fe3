// The garbage collector (as Kubernetes' pkg/controller/garbagecollector): a graph of owner
// references built from the informers of every kind, and workers that act on uids the
// graph changes point at:
// - attemptToDelete: an object whose owners may all be gone is deleted (Background, or the
//   policy its own finalizers name); one that keeps a live owner only loses its dangling
//   references. An owner in a foreground deletion loses its foregroundDeletion finalizer
//   once no dependent with blockOwnerDeletion is left. A virtual owner (referenced, in no
//   cache) is read live: absent, its dependents get a look.
// - attemptToOrphan: an owner deleted with Orphan: every dependent loses its reference to
//   it, then the owner loses its orphan finalizer.
// Absence is only ever concluded from a live read (NOT_FOUND or another uid), never from a
// cache that may lag; every write is conditional (uid preconditions, JSON patch tests,
// resourceVersion).
import {
  allKinds,
  referenceTo,
  type ApiObjectLike,
  type KindName,
  type SharedInformer,
} from "@k8ts/sdk";
import type { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { ControllerContext, ControllerDefinition } from "../../controller.js";
import { QueueController } from "../../queue-controller.js";
import {
  decideForDeletingOwner,
  decideForDependent,
  type ClassifiedReference,
} from "./deletion-decisions.js";
import {
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  isBeingDeleted,
  isDeletingDependents,
  isOrphaningDependents,
} from "./deletion-state.js";
import { LiveObjects, type ObjectIdentity } from "./live-objects.js";
import { OwnerGraph, graphObject, type GraphObject, type GraphWork } from "./owner-graph.js";
import { OwnerLookup, ownerCoordinates } from "./owner-lookup.js";
import {
  removeOwnerReferencesPatch,
  unblockOwnerReferencesPatch,
} from "./owner-reference-patches.js";

/** Every kind that can own or be owned. Events are left out: nothing owns them, and they are many. */
export function garbageCollectedKinds(): KindName[] {
  // The registry and KindName list the same kinds (a test in the SDK keeps them equal).
  return allKinds()
    .filter((k) => k.kind !== "Event")
    .map((k) => k.kind as KindName);
}

const DELETE = "delete/";
const ORPHAN = "orphan/";

function describe(o: ObjectIdentity): Record<string, string> {
  return { kind: o.kind, namespace: o.namespace, name: o.name, uid: o.uid };
}

export class GarbageCollector extends QueueController {
  private readonly graph = new OwnerGraph();
  private readonly live: LiveObjects;
  private readonly owners: OwnerLookup;
  private deleted = 0;
  private released = 0;

  constructor(context: ControllerContext) {
    super(context, "garbagecollector");
    this.live = new LiveObjects(context.client);
    this.owners = new OwnerLookup(this.live);
    const initial: GraphWork[] = [];
    for (const kind of garbageCollectedKinds()) {
      const informer = context.informers.informer(kind) as unknown as SharedInformer<ApiObjectLike>;
      // The graph starts from the synced caches, so that the handlers' initial adds change
      // nothing and an owner is virtual only if no cache has it.
      if (informer.hasSynced())
        for (const o of informer.lister.list()) {
          const g = graphObject(kind, o);
          if (g !== undefined) initial.push(this.graph.observe(g));
        }
      this.handle(informer, {
        onAdd: (o) => this.observe(kind, o),
        onUpdate: (_old, o) => this.observe(kind, o),
        onDelete: (o) => {
          const uid = o.metadata?.uid ?? "";
          if (uid !== "") this.enqueue(this.graph.remove(uid));
        },
      });
    }
    for (const w of initial) this.enqueue(w);
  }

  override status(): Readonly<Record<string, number>> {
    return {
      ...super.status(),
      objects: this.graph.size,
      virtualOwners: this.graph.virtualOwners,
      deleted: this.deleted,
      referencesRemoved: this.released,
      ownerReads: this.owners.reads,
    };
  }

  private observe(kind: string, object: ApiObjectLike): void {
    const g = graphObject(kind, object);
    if (g !== undefined) this.enqueue(this.graph.observe(g));
  }

  private enqueue(work: GraphWork): void {
    for (const uid of work.attemptToDelete) this.queue.add(DELETE + uid);
    for (const uid of work.attemptToOrphan) this.queue.add(ORPHAN + uid);
  }

  protected reconcile(key: string, signal: AbortSignal): Promise<void> {
    if (key.startsWith(ORPHAN)) return this.attemptToOrphan(key.slice(ORPHAN.length), signal);
    return this.attemptToDelete(key.slice(DELETE.length), signal);
  }

  private async attemptToDelete(uid: string, signal: AbortSignal): Promise<void> {
    const item = this.graph.get(uid);
    if (item === undefined) return this.verifyVirtualOwner(uid, signal);
    const live = await this.live.get(item, signal);
    const meta = live?.metadata;
    if (meta === undefined) {
      // Gone, though its cache may not say so yet: its dependents need not wait for it.
      this.enqueue(this.graph.remove(uid));
      return;
    }
    if (isDeletingDependents(meta)) return this.processDeletingDependents(item, signal);
    if (isBeingDeleted(meta) || meta.ownerReferences.length === 0) return;

    const references: ClassifiedReference[] = [];
    for (const reference of meta.ownerReferences) {
      const state = await this.owners.state(reference, meta.namespace, signal);
      references.push({ reference, state });
      this.reportInvalidNamespace(item, meta, reference);
    }
    const dependents = this.graph.dependents(uid);
    const decision = decideForDependent(meta.finalizers, references, {
      count: dependents.length,
      anyDeletingDependents: dependents.some((d) => d.deletingDependents),
    });
    switch (decision.action) {
      case "keep":
        return;
      case "removeReferences": {
        const uids = new Set(decision.uids);
        this.context.logger.info(
          { ...describe(item), owners: decision.uids },
          "removing references to owners that are gone or deleting their dependents",
        );
        await this.live.patch(
          item,
          (o) =>
            o.metadata === undefined ? undefined : removeOwnerReferencesPatch(o.metadata, uids),
          signal,
        );
        this.released += uids.size;
        return;
      }
      case "delete": {
        if (decision.unblock.length > 0) {
          const uids = new Set(decision.unblock);
          await this.live.patch(
            item,
            (o) =>
              o.metadata === undefined ? undefined : unblockOwnerReferencesPatch(o.metadata, uids),
            signal,
          );
        }
        this.context.logger.info(
          { ...describe(item), propagationPolicy: decision.policy },
          "deleting an object whose owners are gone",
        );
        await this.live.delete(item, decision.policy, signal);
        this.deleted++;
        return;
      }
    }
  }

  /** A referenced owner in no cache: if a live read finds it absent, its dependents get a look. */
  private async verifyVirtualOwner(uid: string, signal: AbortSignal): Promise<void> {
    const owner = this.graph.virtualOwner(uid);
    if (owner === undefined) return;
    const state = await this.owners.state(owner.reference, owner.dependentNamespace, signal);
    if (state !== "dangling") return;
    for (const d of this.graph.dependents(uid)) this.queue.add(DELETE + d.uid);
  }

  /** Foreground deletion: the finalizer goes once no blocking dependent is left. */
  private async processDeletingDependents(item: GraphObject, signal: AbortSignal): Promise<void> {
    const decision = decideForDeletingOwner(
      this.graph
        .blockingDependents(item.uid)
        .map((d) => ({ uid: d.uid, deletingDependents: d.deletingDependents })),
    );
    if (decision.action === "wait") {
      // Each dependent's removal from the graph brings this owner back to the queue.
      for (const d of decision.attemptToDelete) this.queue.add(DELETE + d);
      return;
    }
    this.context.logger.info(
      describe(item),
      "no blocking dependent left: removing foregroundDeletion",
    );
    await this.live.removeFinalizer(item, FOREGROUND_FINALIZER, signal);
  }

  /** Orphan deletion: release every dependent, then let the owner go. */
  private async attemptToOrphan(uid: string, signal: AbortSignal): Promise<void> {
    const owner = this.graph.get(uid);
    if (owner === undefined) return;
    const live = await this.live.get(owner, signal);
    if (!isOrphaningDependents(live?.metadata)) return;
    const only = new Set([uid]);
    const dependents = this.graph.dependents(uid);
    for (const d of dependents)
      await this.live.patch(
        d,
        (o) =>
          o.metadata === undefined ? undefined : removeOwnerReferencesPatch(o.metadata, only),
        signal,
      );
    this.released += dependents.length;
    this.context.logger.info(
      { ...describe(owner), dependents: dependents.length },
      "dependents orphaned: removing the orphan finalizer",
    );
    await this.live.removeFinalizer(owner, ORPHAN_FINALIZER, signal);
  }

  private reportInvalidNamespace(
    item: GraphObject,
    meta: ObjectMeta,
    reference: ObjectMeta["ownerReferences"][number],
  ): void {
    const where = ownerCoordinates(reference, meta.namespace);
    if (where.valid || where.problem !== "invalidNamespace") return;
    this.context.recorder.event(
      referenceTo(item.kind, { metadata: meta }),
      "Warning",
      "OwnerRefInvalidNamespace",
      `ownerRef [${reference.apiVersion}/${reference.kind}, namespace: ${meta.namespace}, name: ${reference.name}, uid: ${reference.uid}] does not exist in namespace "${meta.namespace}"`,
    );
  }
}

export const garbageCollectorController: ControllerDefinition = {
  name: "garbagecollector",
  kinds: garbageCollectedKinds(),
  create: (context) => new GarbageCollector(context),
};
