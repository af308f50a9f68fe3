// Revisions of a Deployment, kept as Kubernetes keeps them: each ReplicaSet carries
// `deployment.kubernetes.io/revision` (the new one gets the highest old revision + 1, also
// when an old ReplicaSet becomes new again, whose earlier revisions then go to
// `deployment.kubernetes.io/revision-history`), the Deployment carries its new
// ReplicaSet's revision, the new ReplicaSet gets the Deployment's annotations (such as
// `kubernetes.io/change-cause`), and old ReplicaSets scaled to 0 beyond
// spec.revisionHistoryLimit are deleted, lowest revisions first.
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { byCreation, specReplicas } from "./replica-set-groups.js";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";
export const CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause";
const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";
const DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to";

/** Kubernetes' limit on the length of the revision-history annotation. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Deployment annotations never copied to its ReplicaSets (Kubernetes' annotationsToSkip). */
const NOT_COPIED = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO,
]);

/** The revision annotation as a number: 0 when absent, undefined when not a number. */
export function revisionOf(meta: ObjectMeta | undefined): number | undefined {
  const text = meta?.annotations[REVISION_ANNOTATION];
  if (text === undefined || text === "") return 0;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The highest revision among `list` (0 when none has one). */
export function maxRevision(list: readonly ReplicaSet[]): number {
  return list.reduce((m, rs) => Math.max(m, revisionOf(rs.metadata) ?? 0), 0);
}

/**
 * Brings a new ReplicaSet's annotations up to date in place: the Deployment's annotations
 * copied, the revision raised to `newRevision` (never lowered: an old ReplicaSet may have
 * been deleted since), the earlier revision appended to the history when an existing
 * revision is raised (a rollback), and for a ReplicaSet about to be created
 * (`exists` false) the replicas annotations. Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  annotations: Record<string, string>,
  newRevision: number,
  exists: boolean,
  replicasAnnotations: { desired: number; max: number },
): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (NOT_COPIED.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldText = annotations[REVISION_ANNOTATION];
  const hadRevision = oldText !== undefined;
  let oldRevision = 0;
  if (hadRevision && oldText !== "") {
    if (!/^\d+$/.test(oldText)) return changed;
    oldRevision = Number(oldText);
  }
  if (oldRevision < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (hadRevision && oldText !== "") {
      const history = appendRevisionHistory(annotations[REVISION_HISTORY_ANNOTATION], oldText);
      if (history !== undefined) annotations[REVISION_HISTORY_ANNOTATION] = history;
    }
  }
  if (
    !exists &&
    setReplicasAnnotations(annotations, replicasAnnotations.desired, replicasAnnotations.max)
  )
    changed = true;
  return changed;
}

/**
 * The revision-history annotation with `revision` appended, dropping the oldest entries to
 * stay within MAX_REVISION_HISTORY_CHARS; undefined when it cannot fit.
 */
export function appendRevisionHistory(
  history: string | undefined,
  revision: string,
  limit = MAX_REVISION_HISTORY_CHARS,
): string | undefined {
  if (history === undefined || history === "") return revision;
  const entries = history.split(",");
  let total = history.length + revision.length + 1;
  let start = 0;
  while (total > limit && start < entries.length) {
    total -= (entries[start]?.length ?? 0) + 1;
    start++;
  }
  if (total > limit) return undefined;
  return [...entries.slice(start), revision].join(",");
}

/**
 * Sets the desired-replicas and max-replicas annotations (the Deployment's size and size +
 * maxSurge when the ReplicaSet was last scaled: what proportional scaling divides by).
 * Returns whether they changed.
 */
export function setReplicasAnnotations(
  annotations: Record<string, string>,
  desired: number,
  max: number,
): boolean {
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/** Whether the replicas annotations differ from `desired` and `max`. */
export function replicasAnnotationsNeedUpdate(
  rs: ReplicaSet,
  desired: number,
  max: number,
): boolean {
  const a = rs.metadata?.annotations ?? {};
  return (
    a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max)
  );
}

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const text = rs.metadata?.annotations[key];
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}

/** The Deployment size this ReplicaSet was last scaled for, if recorded. */
export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

/** The Deployment's size + maxSurge when this ReplicaSet was last scaled, if recorded. */
export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
}

/** Lowest revision first; equal revisions oldest first (Kubernetes' ReplicaSetsByRevision). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const d = (revisionOf(a.metadata) ?? 0) - (revisionOf(b.metadata) ?? 0);
  return d !== 0 ? d : byCreation(a, b);
}

/**
 * The old ReplicaSets to delete so that at most spec.revisionHistoryLimit remain: the
 * lowest revisions beyond the limit, skipping any that has or may still have pods (spec
 * or status replicas, a spec its controller has not observed yet, pods seen) or is being
 * deleted already. `podsOf` counts the pods seen for a ReplicaSet.
 */
export function replicaSetsToCleanUp(
  d: Deployment,
  oldRSs: readonly ReplicaSet[],
  podsOf: (rs: ReplicaSet) => number,
): ReplicaSet[] {
  const limit = d.spec?.revisionHistoryLimit;
  if (limit === undefined) return [];
  const alive = oldRSs.filter((rs) => rs.metadata?.deletionTimestamp === undefined);
  const excess = alive.length - limit;
  if (excess <= 0) return [];
  return [...alive]
    .sort(byRevision)
    .slice(0, excess)
    .filter(
      (rs) =>
        specReplicas(rs) === 0 &&
        (rs.status?.replicas ?? 0) === 0 &&
        (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0) &&
        podsOf(rs) === 0,
    );
}
