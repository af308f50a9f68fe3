// Scaling a Deployment at any time, also mid-rollout, as Kubernetes does: with one active
// ReplicaSet it takes the whole size; when the new one is saturated the old ones go to 0;
// otherwise (rolling updates) the change of (replicas + maxSurge) is spread over the active
// ReplicaSets in proportion to their size, judged against the max-replicas annotation each
// carries from its last scaling, the rounding leftover going to the largest one.
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import {
  activeReplicaSets,
  bySizeNewer,
  bySizeOlder,
  findActiveOrLatest,
  specReplicaCount,
  specReplicas,
} from "./replica-set-groups.js";
import { desiredReplicasAnnotation, maxReplicasAnnotation } from "./revision-history.js";
import { desiredReplicas, isRollingUpdate, maxSurge } from "./rollout-limits.js";

/** A ReplicaSet and the size it should get. */
export interface ScaleStep {
  readonly rs: ReplicaSet;
  readonly replicas: number;
}

/**
 * Whether the Deployment was resized since its active ReplicaSets were last scaled (their
 * desired-replicas annotation differs from spec.replicas): then it is scaled, not rolled.
 */
export function isScalingEvent(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): boolean {
  const replicas = desiredReplicas(d);
  return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== replicas;
  });
}

/** A new ReplicaSet that has all the replicas, all available, for the current size. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (rs === undefined) return false;
  const replicas = desiredReplicas(d);
  return (
    specReplicas(rs) === replicas &&
    desiredReplicasAnnotation(rs) === replicas &&
    (rs.status?.availableReplicas ?? 0) === replicas
  );
}

/**
 * How many replicas `rs` gains (or loses, negative) of `toAdd`, of which `added` are
 * already given out (Kubernetes' GetReplicaSetProportion).
 */
export function replicaSetProportion(
  rs: ReplicaSet,
  d: Deployment,
  toAdd: number,
  added: number,
): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** The change of `rs` that keeps its share of the Deployment's (replicas + maxSurge). */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = desiredReplicas(d);
  const size = specReplicas(rs);
  if (replicas === 0) return -size;
  const maxReplicas = replicas + maxSurge(d);
  let before = maxReplicasAnnotation(rs) ?? 0;
  // Without the annotation (a ReplicaSet resized by hand) fall back to the current size;
  // the min/max against what is left keeps the total within bounds either way.
  if (before === 0) before = d.status?.replicas ?? 0;
  if (before === 0) return 0;
  return Math.round((size * maxReplicas) / before) - size;
}

/**
 * The sizes that scale the Deployment's ReplicaSets to spec.replicas. Steps may repeat a
 * ReplicaSet's current size: applying one also refreshes its replicas annotations.
 */
export function scaleSteps(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ScaleStep[] {
  const replicas = desiredReplicas(d);
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only !== undefined) return [{ rs: only, replicas }];
  if (isSaturated(d, newRS)) return activeReplicaSets(oldRSs).map((rs) => ({ rs, replicas: 0 }));
  if (!isRollingUpdate(d)) return [];

  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - specReplicaCount(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  else if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = replicaSetProportion(rs, d, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  // The rounding leftover goes to the largest ReplicaSet.
  if (toAdd !== 0 && sizes.length > 0) sizes[0] = Math.max(0, (sizes[0] ?? 0) + toAdd - added);
  return all.map((rs, i) => ({ rs, replicas: sizes[i] ?? specReplicas(rs) }));
}
