// The ReplicaSet controller (kube-controller-manager's): keeps spec.replicas active pods
// (not terminating, not Succeeded or Failed) matching each ReplicaSet's selector and
// controlled by it. It adopts matching orphans and releases pods that stop matching,
// creates pods from the template in slow-start batches, deletes the least valuable pods
// first, and writes status (replicas, fully labeled, ready, available, observedGeneration,
// ReplicaFailure). Expectations keep a lagging pod cache from causing a second round of
// creates or deletes; the controller never scales a ReplicaSet whose expectations are
// pending, and acts only on synced caches, so it is safe to kill at any moment.
import {
  ApiStatusError,
  labelSelectorMatcher,
  lookupKind,
  objectKey,
  referenceTo,
  type KindClient,
  type LabelMatcher,
  type SharedInformer,
} from "@k8ts/sdk";
import type { LabelSelector, OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { status as grpcStatus } from "@grpc/grpc-js";
import type { ControllerContext } from "../../controller.js";
import {
  claimObjects,
  controllerRefOf,
  newControllerRef,
  ownerInfoOf,
  recheckOwnerWith,
  type OwnerInfo,
} from "../../controller-ref.js";
import { QueueController } from "../../queue-controller.js";
import { isPodActive, podsToDelete } from "./active-pods.js";
import { ControllerExpectations } from "./expectations.js";
import { podFromTemplate } from "./pod-from-template.js";
import { calculateStatus, msUntilNextAvailable, statusChanged } from "./replica-set-status.js";
import { SLOW_START_INITIAL_BATCH, slowStartBatch } from "./slow-start.js";

/** Most pods created or deleted in one sync (Kubernetes' BurstReplicas). */
export const BURST_REPLICAS = 500;

/** Margin added to a pod's availability time before looking again (clock granularity). */
const AVAILABILITY_RECHECK_MARGIN_MS = 100;

const RS_KIND = "ReplicaSet";
const RS_API_VERSION = lookupKind(RS_KIND)?.apiVersion ?? "apps/v1";

export interface ReplicaSetControllerOptions {
  /** Wall-clock milliseconds, compared with pods' Ready transition times (default Date.now). */
  readonly wallClock?: () => number;
  readonly burstReplicas?: number;
}

function sameLabels(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): boolean {
  const ea = Object.entries(a ?? {});
  return ea.length === Object.keys(b ?? {}).length && ea.every(([k, v]) => b?.[k] === v);
}

function sameRef(a: OwnerReference | undefined, b: OwnerReference | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.uid === b.uid &&
    a.kind === b.kind &&
    a.name === b.name &&
    a.apiVersion === b.apiVersion &&
    a.controller === b.controller &&
    a.blockOwnerDeletion === b.blockOwnerDeletion
  );
}

function isNotFound(e: unknown): boolean {
  return e instanceof ApiStatusError && e.isNotFound;
}

/** Pods cannot be created in a terminating namespace: not an error of the ReplicaSet. */
function isNamespaceTerminating(e: unknown): boolean {
  return e instanceof ApiStatusError && e.code === grpcStatus.FAILED_PRECONDITION;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(JSON.stringify(e));
}

export class ReplicaSetController extends QueueController {
  readonly expectations: ControllerExpectations;
  private readonly replicaSets: SharedInformer<ReplicaSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly rsClient: KindClient<ReplicaSet>;
  private readonly podClient: KindClient<Pod>;
  private readonly wallClock: () => number;
  private readonly burstReplicas: number;
  // Selectors are immutable and informer objects are shared: compile each once.
  private readonly matchers = new WeakMap<LabelSelector, LabelMatcher>();
  private created = 0;
  private deleted = 0;

  constructor(context: ControllerContext, options: ReplicaSetControllerOptions = {}) {
    super(context, "replicaset");
    this.expectations = new ControllerExpectations(context.clock);
    this.replicaSets = context.informers.informer(RS_KIND);
    this.pods = context.informers.informer("Pod");
    this.rsClient = context.client.kind(RS_KIND);
    this.podClient = context.client.kind("Pod");
    this.wallClock = options.wallClock ?? Date.now;
    this.burstReplicas = options.burstReplicas ?? BURST_REPLICAS;

    this.handle(this.replicaSets, {
      onAdd: (rs) => this.queue.add(objectKey(rs)),
      onUpdate: (old, rs) => {
        // Deleted and created again under the same name between two lists: a new owner.
        if (old.metadata?.uid !== rs.metadata?.uid) this.expectations.delete(objectKey(old));
        this.queue.add(objectKey(rs));
      },
      onDelete: (rs) => {
        const key = objectKey(rs);
        this.expectations.delete(key);
        this.queue.add(key);
      },
    });
    this.handle(this.pods, {
      onAdd: (pod, initial) => this.addPod(pod, initial),
      onUpdate: (old, pod) => this.updatePod(old, pod),
      onDelete: (pod) => this.deletePod(pod),
    });
  }

  override status(): Readonly<Record<string, number>> {
    return {
      ...super.status(),
      podsCreated: this.created,
      podsDeleted: this.deleted,
      pendingExpectations: this.expectations.unsatisfiedCount(),
    };
  }

  private matcher(rs: ReplicaSet): LabelMatcher {
    const selector = rs.spec?.selector;
    if (selector === undefined) return labelSelectorMatcher(undefined);
    let m = this.matchers.get(selector);
    if (m === undefined) {
      m = labelSelectorMatcher(selector);
      this.matchers.set(selector, m);
    }
    return m;
  }

  /** The ReplicaSet a controller reference points at, if the cache has that very one. */
  private resolveControllerRef(namespace: string, ref: OwnerReference): ReplicaSet | undefined {
    if (ref.kind !== RS_KIND) return undefined;
    const rs = this.replicaSets.lister.get(namespace, ref.name);
    return rs !== undefined && rs.metadata?.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose (non-empty) selector matches an orphan pod: they may adopt it. */
  private replicaSetsSelecting(pod: Pod): ReplicaSet[] {
    return this.replicaSets.lister
      .list({ namespace: pod.metadata?.namespace ?? "" })
      .filter((rs) => {
        const m = this.matcher(rs);
        return m.requirements.length > 0 && m.matches(pod.metadata?.labels);
      });
  }

  private addPod(pod: Pod, initial: boolean): void {
    // A pod first seen already terminating is no creation of ours to count.
    if (pod.metadata?.deletionTimestamp !== undefined) {
      this.deletePod(pod);
      return;
    }
    const ref = controllerRefOf(pod.metadata);
    if (ref !== undefined) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? "", ref);
      if (rs === undefined) return;
      const key = objectKey(rs);
      // Pods of the initial list existed before this controller could create any.
      if (!initial) this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const rs of this.replicaSetsSelecting(pod)) this.queue.add(objectKey(rs));
  }

  private updatePod(old: Pod, pod: Pod): void {
    if (old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return; // resync
    const labelsChanged = !sameLabels(old.metadata?.labels, pod.metadata?.labels);
    if (pod.metadata?.deletionTimestamp !== undefined) {
      // Terminating is as good as deleted: the pod no longer counts, so a replacement can
      // be made now rather than after its grace period.
      this.deletePod(pod);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const ref = controllerRefOf(pod.metadata);
    const oldRef = controllerRefOf(old.metadata);
    const refChanged = !sameRef(ref, oldRef);
    if (refChanged && oldRef !== undefined) {
      const previous = this.resolveControllerRef(old.metadata?.namespace ?? "", oldRef);
      if (previous !== undefined) this.queue.add(objectKey(previous));
    }
    if (ref !== undefined) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? "", ref);
      if (rs !== undefined) this.queue.add(objectKey(rs));
      return;
    }
    if (labelsChanged || refChanged)
      for (const rs of this.replicaSetsSelecting(pod)) this.queue.add(objectKey(rs));
  }

  private deletePod(pod: Pod): void {
    const ref = controllerRefOf(pod.metadata);
    if (ref === undefined) return;
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? "", ref);
    if (rs === undefined) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.queue.add(key);
  }

  protected async reconcile(key: string, signal: AbortSignal): Promise<void> {
    const rs = this.replicaSets.lister.getByKey(key);
    if (rs === undefined) {
      this.expectations.delete(key);
      return;
    }
    // Read before the pods: once satisfied, the cache holds every pod we asked for.
    const needsSync = this.expectations.satisfied(key);
    const namespace = rs.metadata?.namespace ?? "";
    const owner = ownerInfoOf(RS_API_VERSION, RS_KIND, rs.metadata);
    const active = this.pods.lister.list({ namespace }).filter(isPodActive);
    const pods = await claimObjects(this.podClient, active, {
      owner,
      selector: this.matcher(rs),
      ownerDeleting: rs.metadata?.deletionTimestamp !== undefined,
      recheckOwner: recheckOwnerWith(this.rsClient, owner, signal),
      signal,
    });

    let manageError: Error | undefined;
    if (needsSync && rs.metadata?.deletionTimestamp === undefined) {
      try {
        await this.manageReplicas(key, rs, owner, pods, signal);
      } catch (e) {
        manageError = asError(e);
      }
    } else if (!needsSync) {
      // Expectations that are never met (a lost event) expire: look again then.
      this.queue.addAfter(key, this.expectations.msUntilExpiry(key));
    }

    const now = this.wallClock();
    const next = calculateStatus(rs, pods, manageError, now);
    if (statusChanged(rs, next)) {
      // Conditional on the cached version: a conflict retries from a newer cache.
      await this.rsClient.updateStatus(ReplicaSet.fromPartial({ ...rs, status: next }), {
        signal,
      });
    }
    if (manageError !== undefined) throw manageError;
    const wait = msUntilNextAvailable(pods, rs.spec?.minReadySeconds ?? 0, now);
    if (wait !== undefined) this.queue.addAfter(key, wait + AVAILABILITY_RECHECK_MARGIN_MS);
  }

  /** Creates or deletes pods so that `pods` (active, controlled) reaches spec.replicas. */
  private async manageReplicas(
    key: string,
    rs: ReplicaSet,
    owner: OwnerInfo,
    pods: readonly Pod[],
    signal: AbortSignal,
  ): Promise<void> {
    const diff = pods.length - (rs.spec?.replicas ?? 1);
    const ref = referenceTo(RS_KIND, rs);
    if (diff < 0) {
      const count = Math.min(-diff, this.burstReplicas);
      // Expected before asking: the pods' add events may arrive before the answers.
      this.expectations.expectCreations(key, count);
      const controllerRef = newControllerRef(owner);
      const { successes, error } = await slowStartBatch(
        count,
        SLOW_START_INITIAL_BATCH,
        async () => {
          try {
            const pod = await this.podClient.create(podFromTemplate(rs, controllerRef), {
              signal,
            });
            this.created++;
            this.context.recorder.event(
              ref,
              "Normal",
              "SuccessfulCreate",
              `Created pod: ${pod.metadata?.name ?? ""}`,
            );
          } catch (e) {
            // As Kubernetes: the namespace is going away and the ReplicaSet with it. The
            // creation stays expected, so nothing is retried until expectations expire.
            if (isNamespaceTerminating(e)) return;
            this.context.recorder.event(
              ref,
              "Warning",
              "FailedCreate",
              `Error creating: ${asError(e).message}`,
            );
            throw e;
          }
        },
      );
      // Creations that failed or were never tried will not be observed.
      if (count - successes > 0) this.expectations.creationObserved(key, count - successes);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      const victims = podsToDelete(pods, Math.min(diff, this.burstReplicas));
      this.expectations.expectDeletions(key, victims.map(objectKey));
      const errors: Error[] = [];
      await Promise.all(
        victims.map(async (pod) => {
          const meta = pod.metadata;
          try {
            // The uid precondition: never delete a namesake created since the decision.
            await this.podClient.delete(meta?.name ?? "", {
              namespace: meta?.namespace,
              options: { preconditions: { uid: meta?.uid ?? "", resourceVersion: "" } },
              signal,
            });
            this.deleted++;
            this.context.recorder.event(
              ref,
              "Normal",
              "SuccessfulDelete",
              `Deleted pod: ${meta?.name ?? ""}`,
            );
          } catch (e) {
            this.expectations.deletionObserved(key, objectKey(pod));
            if (isNotFound(e)) return;
            errors.push(asError(e));
            this.context.recorder.event(
              ref,
              "Warning",
              "FailedDelete",
              `Error deleting: ${asError(e).message}`,
            );
          }
        }),
      );
      const [first] = errors;
      if (first !== undefined) throw first;
    }
  }
}
