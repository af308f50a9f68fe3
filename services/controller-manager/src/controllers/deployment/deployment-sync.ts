// One sync of one Deployment (Kubernetes' syncDeployment and what it calls): from the
// Deployment and the ReplicaSets it controls (as the caches show them), find or create the
// new ReplicaSet, scale, roll out by the strategy, clean up old revisions and write the
// status. Every write is conditional on the resourceVersion the decision was made on, so
// a stale cache makes a write fail (and the key retried) instead of doing harm; objects
// written are replaced by what the API returned, so one sync never writes from a version
// it has itself made stale.
import {
  ApiStatusError,
  referenceTo,
  type EventRecorder,
  type KindClient,
  type Lister,
  type Logger,
} from "@k8ts/sdk";
import { Deployment, DeploymentStatus } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { status as grpcStatus } from "@grpc/grpc-js";
import { controllerRefOf, newControllerRef, type OwnerInfo } from "../../controller-ref.js";
import {
  FOUND_NEW_REPLICA_SET,
  NEW_REPLICA_SET_CREATED,
  PROGRESSING,
  REPLICA_SET_CREATE_ERROR,
  deploymentComplete,
  getCondition,
  hasProgressDeadline,
  newCondition,
  pausedConditionStatus,
  progressCheckDelayMs,
  setCondition,
} from "./deployment-conditions.js";
import { calculateStatus, rolloutStatus, sameStatus } from "./deployment-status.js";
import {
  POD_TEMPLATE_HASH_LABEL,
  podTemplateHash,
  templatesEqualIgnoringHash,
} from "./pod-template-hash.js";
import { isScalingEvent, scaleSteps } from "./proportional-scale.js";
import { oldPodsRunning } from "./recreate.js";
import {
  activeReplicaSets,
  findNewReplicaSet,
  findOldReplicaSets,
  specReplicas,
} from "./replica-set-groups.js";
import {
  REVISION_ANNOTATION,
  maxRevision,
  replicaSetsToCleanUp,
  replicasAnnotationsNeedUpdate,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from "./revision-history.js";
import { newReplicaSetReplicas, oldReplicaSetsScaleDown } from "./rolling-update.js";
import { RECREATE, desiredReplicas, maxSurge, strategyType } from "./rollout-limits.js";

/** What a sync works with besides the objects. */
export interface SyncDependencies {
  readonly deployments: KindClient<Deployment>;
  readonly replicaSets: KindClient<ReplicaSet>;
  readonly replicaSetLister: Lister<ReplicaSet>;
  readonly recorder: EventRecorder;
  readonly logger: Logger;
  /** Wall-clock time (condition times). */
  readonly now: () => Date;
}

/** The ReplicaSets of a sync, the new one (if any) apart. */
interface Groups {
  readonly newRS: ReplicaSet | undefined;
  readonly oldRSs: ReplicaSet[];
}

function isCode(e: unknown, code: grpcStatus): boolean {
  return e instanceof ApiStatusError && e.code === code;
}

function rsName(rs: ReplicaSet): string {
  return rs.metadata?.name ?? "";
}

export class DeploymentSync {
  private d: Deployment;
  private rsList: ReplicaSet[];

  constructor(
    private readonly deps: SyncDependencies,
    deployment: Deployment,
    replicaSets: readonly ReplicaSet[],
    /** Pods of the Deployment's ReplicaSets (any state), by ReplicaSet uid. */
    private readonly podsByReplicaSet: ReadonlyMap<string, readonly Pod[]>,
    private readonly owner: OwnerInfo,
    private readonly signal: AbortSignal,
  ) {
    this.d = structuredClone(deployment);
    this.rsList = [...replicaSets];
  }

  /**
   * Runs the sync. Returns after how many milliseconds to look again for a progress
   * deadline (undefined: not needed).
   */
  async run(): Promise<number | undefined> {
    if (this.d.metadata?.deletionTimestamp !== undefined) {
      // Its ReplicaSets go with it (garbage collector): only report.
      await this.syncStatusOnly();
      return undefined;
    }
    await this.checkPausedConditions();
    if (this.d.spec?.paused === true) {
      await this.syncScaling();
      return undefined;
    }
    const groups = await this.replicaSetsAndSyncRevision(false);
    if (isScalingEvent(this.d, groups.newRS, groups.oldRSs)) {
      await this.syncScaling(groups);
      return undefined;
    }
    return strategyType(this.d) === RECREATE ? this.rolloutRecreate() : this.rolloutRolling();
  }

  // ---- ReplicaSets and revisions ----

  /** The latest version of `rs` known to this sync. */
  private latest(rs: ReplicaSet): ReplicaSet {
    return this.rsList.find((r) => r.metadata?.uid === rs.metadata?.uid) ?? rs;
  }

  private remember(rs: ReplicaSet): ReplicaSet {
    const i = this.rsList.findIndex((r) => r.metadata?.uid === rs.metadata?.uid);
    if (i >= 0) this.rsList[i] = rs;
    else this.rsList.push(rs);
    return rs;
  }

  private groups(): Groups {
    const newRS = findNewReplicaSet(this.d, this.rsList);
    return { newRS, oldRSs: findOldReplicaSets(this.rsList, newRS) };
  }

  /**
   * The new and old ReplicaSets; brings the new one's annotations (revision, the
   * Deployment's annotations) and minReadySeconds up to date, and the Deployment's
   * revision. With `create`, creates the new ReplicaSet when none exists.
   */
  private async replicaSetsAndSyncRevision(create: boolean): Promise<Groups> {
    const { oldRSs } = this.groups();
    const newRS = await this.newReplicaSet(oldRSs, create);
    return { newRS, oldRSs: findOldReplicaSets(this.rsList, newRS) };
  }

  private async newReplicaSet(
    oldRSs: readonly ReplicaSet[],
    create: boolean,
  ): Promise<ReplicaSet | undefined> {
    const existing = findNewReplicaSet(this.d, this.rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    const replicas = desiredReplicas(this.d);
    const max = replicas + maxSurge(this.d);
    if (existing !== undefined) {
      let rs = existing;
      const copy = structuredClone(existing);
      const annotations = { ...(copy.metadata?.annotations ?? {}) };
      const annotationsChanged = setNewReplicaSetAnnotations(
        this.d,
        annotations,
        newRevision,
        true,
        { desired: replicas, max },
      );
      const minReady = this.d.spec?.minReadySeconds ?? 0;
      if (annotationsChanged || (copy.spec?.minReadySeconds ?? 0) !== minReady) {
        if (copy.metadata !== undefined) copy.metadata.annotations = annotations;
        if (copy.spec !== undefined) copy.spec.minReadySeconds = minReady;
        rs = this.remember(await this.deps.replicaSets.update(copy, { signal: this.signal }));
      }
      await this.setDeploymentRevision(rs.metadata?.annotations[REVISION_ANNOTATION] ?? "");
      if (hasProgressDeadline(this.d) && getCondition(this.d.status, PROGRESSING) === undefined)
        await this.writeConditions((s) =>
          setCondition(
            s,
            newCondition(
              PROGRESSING,
              "True",
              FOUND_NEW_REPLICA_SET,
              `Found new replica set "${rsName(rs)}"`,
              this.deps.now(),
            ),
          ),
        );
      return rs;
    }
    if (!create) return undefined;
    return this.createNewReplicaSet(oldRSs, newRevision, { desired: replicas, max });
  }

  private async createNewReplicaSet(
    oldRSs: readonly ReplicaSet[],
    newRevision: number,
    replicasAnnotations: { desired: number; max: number },
  ): Promise<ReplicaSet> {
    const d = this.d;
    const hash = podTemplateHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec?.template);
    const templateLabels = {
      ...(template?.metadata?.labels ?? {}),
      [POD_TEMPLATE_HASH_LABEL]: hash,
    };
    const selector = structuredClone(d.spec?.selector);
    const annotations: Record<string, string> = {};
    const draft = ReplicaSet.fromPartial({
      metadata: {
        name: `${d.metadata?.name ?? ""}-${hash}`,
        namespace: d.metadata?.namespace ?? "",
        labels: templateLabels,
        ownerReferences: [newControllerRef(this.owner)],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec?.minReadySeconds ?? 0,
        selector: {
          matchLabels: { ...(selector?.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash },
          matchExpressions: selector?.matchExpressions ?? [],
        },
        template: { ...template, metadata: { ...template?.metadata, labels: templateLabels } },
      },
    });
    const replicas = newReplicaSetReplicas(d, [...oldRSs, draft], draft, (rs) => this.livePods(rs));
    if (draft.spec !== undefined) draft.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, annotations, newRevision, false, replicasAnnotations);
    if (draft.metadata !== undefined) draft.metadata.annotations = annotations;

    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.deps.replicaSets.create(draft, { signal: this.signal });
    } catch (e) {
      if (isCode(e, grpcStatus.ALREADY_EXISTS)) {
        const found = await this.existingReplicaSet(rsName(draft));
        const ref = controllerRefOf(found?.metadata);
        if (
          found !== undefined &&
          ref?.uid === this.owner.uid &&
          templatesEqualIgnoringHash(d.spec?.template, found.spec?.template)
        ) {
          created = found;
          alreadyExisted = true;
        } else {
          // A different template took this name: the next name comes from the next count.
          await this.writeStatus({
            ...this.currentStatus(),
            collisionCount: (d.status?.collisionCount ?? 0) + 1,
          });
          this.deps.logger.info(
            { deployment: this.owner.name, replicaSet: rsName(draft) },
            "hash collision: collisionCount raised",
          );
          throw e;
        }
      } else if (isCode(e, grpcStatus.FAILED_PRECONDITION)) {
        // The namespace is being deleted: nothing can be created, nothing to report.
        throw e;
      } else {
        const msg = `Failed to create new replica set "${rsName(draft)}": ${e instanceof Error ? e.message : String(e)}`;
        if (hasProgressDeadline(d)) {
          try {
            await this.writeConditions((s) =>
              setCondition(
                s,
                newCondition(PROGRESSING, "False", REPLICA_SET_CREATE_ERROR, msg, this.deps.now()),
              ),
            );
          } catch (err) {
            this.deps.logger.warn({ err }, "could not report the failed creation");
          }
        }
        this.event("Warning", REPLICA_SET_CREATE_ERROR, msg);
        throw e;
      }
    }
    this.remember(created);
    if (!alreadyExisted && replicas > 0)
      this.event(
        "Normal",
        "ScalingReplicaSet",
        `Scaled up replica set ${rsName(created)} from 0 to ${replicas}`,
      );
    await this.setDeploymentRevision(String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d))
      await this.writeConditions((s) =>
        setCondition(
          s,
          newCondition(
            PROGRESSING,
            "True",
            NEW_REPLICA_SET_CREATED,
            `Created new replica set "${rsName(created)}"`,
            this.deps.now(),
          ),
        ),
      );
    return created;
  }

  private async existingReplicaSet(name: string): Promise<ReplicaSet | undefined> {
    const cached = this.deps.replicaSetLister.get(this.owner.namespace, name);
    if (cached !== undefined) return cached;
    try {
      return await this.deps.replicaSets.get(name, {
        namespace: this.owner.namespace,
        signal: this.signal,
      });
    } catch (e) {
      if (isCode(e, grpcStatus.NOT_FOUND)) return undefined;
      throw e;
    }
  }

  /** Pods of `rs` that exist and are not terminating. */
  private livePods(rs: ReplicaSet): number {
    const pods = this.podsByReplicaSet.get(rs.metadata?.uid ?? "") ?? [];
    return pods.filter((p) => p.metadata?.deletionTimestamp === undefined).length;
  }

  /** Pods of `rs` seen in any state. */
  private anyPods(rs: ReplicaSet): number {
    return this.podsByReplicaSet.get(rs.metadata?.uid ?? "")?.length ?? 0;
  }

  // ---- scaling ----

  /**
   * Sets `rs` to `replicas` and its replicas annotations to the Deployment's current size
   * (a write only when either differs). Returns whether the size changed.
   */
  private async scaleReplicaSet(rs: ReplicaSet, replicas: number): Promise<boolean> {
    const current = this.latest(rs);
    const desired = desiredReplicas(this.d);
    const max = desired + maxSurge(this.d);
    const from = specReplicas(current);
    const sizeChanges = from !== replicas;
    if (!sizeChanges && !replicasAnnotationsNeedUpdate(current, desired, max)) return false;
    const copy = structuredClone(current);
    if (copy.spec !== undefined) copy.spec.replicas = replicas;
    if (copy.metadata !== undefined) {
      const annotations = { ...copy.metadata.annotations };
      setReplicasAnnotations(annotations, desired, max);
      copy.metadata.annotations = annotations;
    }
    const updated = this.remember(
      await this.deps.replicaSets.update(copy, { signal: this.signal }),
    );
    if (sizeChanges)
      this.event(
        "Normal",
        "ScalingReplicaSet",
        `Scaled ${from < replicas ? "up" : "down"} replica set ${rsName(updated)} from ${from} to ${replicas}`,
      );
    return sizeChanges;
  }

  /** scaleReplicaSet, but nothing at all when the size is already right. */
  private async scaleIfNeeded(rs: ReplicaSet, replicas: number): Promise<boolean> {
    if (specReplicas(this.latest(rs)) === replicas) return false;
    return this.scaleReplicaSet(rs, replicas);
  }

  /** Scaling without a rollout (paused, or spec.replicas changed): Kubernetes' sync. */
  private async syncScaling(groups?: Groups): Promise<void> {
    const { newRS, oldRSs } = groups ?? (await this.replicaSetsAndSyncRevision(false));
    // Every step also refreshes the replicas annotations (what the next proportional
    // scaling divides by), even at an unchanged size.
    for (const step of scaleSteps(this.d, newRS, oldRSs))
      await this.scaleReplicaSet(step.rs, step.replicas);
    const after = this.groups();
    if (this.d.spec?.paused === true) await this.cleanup(after.oldRSs);
    await this.syncDeploymentStatus(after.newRS, after.oldRSs);
  }

  // ---- strategies ----

  private async rolloutRolling(): Promise<number | undefined> {
    const first = await this.replicaSetsAndSyncRevision(true);
    const newRS = first.newRS;
    if (newRS === undefined) throw new Error("no new ReplicaSet after creating it");
    if (await this.reconcileNewReplicaSet(newRS)) return this.syncRolloutStatus();
    const { oldRSs } = this.groups();
    const steps = oldReplicaSetsScaleDown(this.d, oldRSs, this.latest(newRS));
    for (const step of steps) await this.scaleIfNeeded(step.rs, step.replicas);
    if (steps.length > 0) return this.syncRolloutStatus();
    if (this.d.status !== undefined && deploymentComplete(this.d, this.d.status))
      await this.cleanup(this.groups().oldRSs);
    return this.syncRolloutStatus();
  }

  /** Grows (or, above spec.replicas, shrinks) the new ReplicaSet. Returns whether it did. */
  private async reconcileNewReplicaSet(newRS: ReplicaSet): Promise<boolean> {
    const rs = this.latest(newRS);
    const replicas = desiredReplicas(this.d);
    if (specReplicas(rs) === replicas) return false;
    if (specReplicas(rs) > replicas) return this.scaleIfNeeded(rs, replicas);
    const all = [...this.groups().oldRSs, rs];
    return this.scaleIfNeeded(
      rs,
      newReplicaSetReplicas(this.d, all, rs, (r) => this.livePods(r)),
    );
  }

  private async rolloutRecreate(): Promise<number | undefined> {
    // The new ReplicaSet is not created before the old pods are gone.
    const first = await this.replicaSetsAndSyncRevision(false);
    let scaledDown = false;
    for (const rs of activeReplicaSets(first.oldRSs))
      if (await this.scaleIfNeeded(rs, 0)) scaledDown = true;
    if (scaledDown) return this.syncRolloutStatus();
    const now = this.groups();
    if (oldPodsRunning(now.newRS, now.oldRSs, this.podsByReplicaSet))
      return this.syncRolloutStatus();
    const newRS = now.newRS ?? (await this.replicaSetsAndSyncRevision(true)).newRS;
    if (newRS === undefined) throw new Error("no new ReplicaSet after creating it");
    await this.scaleIfNeeded(newRS, desiredReplicas(this.d));
    if (this.d.status !== undefined && deploymentComplete(this.d, this.d.status))
      await this.cleanup(this.groups().oldRSs);
    return this.syncRolloutStatus();
  }

  /** Deletes old ReplicaSets beyond revisionHistoryLimit (never one that may have pods). */
  private async cleanup(oldRSs: readonly ReplicaSet[]): Promise<void> {
    for (const rs of replicaSetsToCleanUp(this.d, oldRSs, (r) => this.anyPods(r))) {
      const meta = rs.metadata;
      if (meta === undefined) continue;
      try {
        // Pinned to the version judged empty: a ReplicaSet scaled up meanwhile stays.
        await this.deps.replicaSets.delete(meta.name, {
          namespace: meta.namespace,
          options: { preconditions: { uid: meta.uid, resourceVersion: meta.resourceVersion } },
          signal: this.signal,
        });
        this.rsList = this.rsList.filter((r) => r.metadata?.uid !== meta.uid);
      } catch (e) {
        // Gone already, or changed since: the next sync judges it again.
        if (!isCode(e, grpcStatus.NOT_FOUND) && !isCode(e, grpcStatus.ABORTED)) throw e;
      }
    }
  }

  // ---- status ----

  private currentStatus(): DeploymentStatus {
    return DeploymentStatus.fromPartial(this.d.status ?? {});
  }

  private async writeStatus(status: DeploymentStatus): Promise<void> {
    const next = Deployment.fromPartial({ ...this.d, status });
    this.d = await this.deps.deployments.updateStatus(next, { signal: this.signal });
  }

  private async writeConditions(change: (s: DeploymentStatus) => void): Promise<void> {
    const status = this.currentStatus();
    change(status);
    if (!sameStatus(status, this.d.status)) await this.writeStatus(status);
  }

  /** The Deployment's revision annotation (a metadata write, pinned to its version). */
  private async setDeploymentRevision(revision: string): Promise<void> {
    const meta = this.d.metadata;
    if (meta === undefined || meta.annotations[REVISION_ANNOTATION] === revision) return;
    this.d = await this.deps.deployments.patch(
      meta.name,
      {
        metadata: {
          resourceVersion: meta.resourceVersion,
          annotations: { [REVISION_ANNOTATION]: revision },
        },
      },
      { namespace: meta.namespace, signal: this.signal },
    );
  }

  private async checkPausedConditions(): Promise<void> {
    const status = pausedConditionStatus(this.d, this.deps.now());
    if (status !== undefined) await this.writeStatus(status);
  }

  private async syncStatusOnly(): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndSyncRevision(false);
    await this.syncDeploymentStatus(newRS, oldRSs);
  }

  private async syncDeploymentStatus(
    newRS: ReplicaSet | undefined,
    oldRSs: readonly ReplicaSet[],
  ): Promise<void> {
    const status = calculateStatus([...oldRSs, newRS], newRS, this.d, this.deps.now());
    if (!sameStatus(status, this.d.status)) await this.writeStatus(status);
  }

  /** Writes the rollout status if it changed; else says when to check the deadline. */
  private async syncRolloutStatus(): Promise<number | undefined> {
    const { newRS, oldRSs } = this.groups();
    const now = this.deps.now();
    const status = rolloutStatus([...oldRSs, newRS], newRS, this.d, now);
    if (!sameStatus(status, this.d.status)) {
      // The update event brings the Deployment back; that sync schedules the check.
      await this.writeStatus(status);
      return undefined;
    }
    return progressCheckDelayMs(this.d, status, now);
  }

  private event(type: "Normal" | "Warning", reason: string, message: string): void {
    this.deps.recorder.event(referenceTo("Deployment", this.d), type, reason, message);
  }
}
