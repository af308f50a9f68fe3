// The arithmetic of a rolling update (Kubernetes' rolloutRolling): the new ReplicaSet grows
// while all ReplicaSets together stay within replicas + maxSurge, and old ReplicaSets shrink
// (their unavailable pods first) while at least replicas - maxUnavailable pods stay
// available.
//
// Two counts are deliberately more cautious than Kubernetes' so the bounds hold under
// stale caches too: a ReplicaSet counts at least as many pods as exist for it (a pod its
// controller has not deleted yet still runs), and it counts at most spec.replicas of its
// available pods (those beyond will be deleted).
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import type { ScaleStep } from "./proportional-scale.js";
import { byCreation, present, specReplicas } from "./replica-set-groups.js";
import {
  RECREATE,
  desiredReplicas,
  maxSurge,
  maxUnavailable,
  strategyType,
} from "./rollout-limits.js";

/** Counts the pods that exist (not terminating) for a ReplicaSet. */
export type PodCounter = (rs: ReplicaSet) => number;

const noPods: PodCounter = () => 0;

/** Pods a ReplicaSet may run: its spec, or more while excess pods are not yet deleted. */
export function podsClaimed(rs: ReplicaSet, podsOf: PodCounter): number {
  return Math.max(specReplicas(rs), podsOf(rs));
}

/** Available pods that will remain: status.availableReplicas, at most spec.replicas. */
export function availableKept(rs: ReplicaSet): number {
  return Math.min(rs.status?.availableReplicas ?? 0, specReplicas(rs));
}

/**
 * The size of the new ReplicaSet for this step (Kubernetes' NewRSNewReplicas): Recreate
 * takes spec.replicas at once; a rolling update grows it by what replicas + maxSurge leaves
 * room for, never beyond spec.replicas.
 */
export function newReplicaSetReplicas(
  d: Deployment,
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet,
  podsOf: PodCounter = noPods,
): number {
  const replicas = desiredReplicas(d);
  if (strategyType(d) === RECREATE) return replicas;
  const current = present(allRSs).reduce((n, rs) => n + podsClaimed(rs, podsOf), 0);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(0, scaleUp);
}

/**
 * The sizes of the old ReplicaSets after this step's scale-down (Kubernetes'
 * reconcileOldReplicaSets): first their unhealthy replicas go, as far as the new
 * ReplicaSet's unavailable pods leave room, oldest ReplicaSet first; then available ones
 * while more than replicas - maxUnavailable stay available. Only changed sizes are
 * returned.
 */
export function oldReplicaSetsScaleDown(
  d: Deployment,
  oldRSs: readonly ReplicaSet[],
  newRS: ReplicaSet,
): ScaleStep[] {
  const active = oldRSs.filter((rs) => specReplicas(rs) > 0).sort(byCreation);
  const oldPods = active.reduce((n, rs) => n + specReplicas(rs), 0);
  if (oldPods === 0) return [];
  const allPods = oldPods + specReplicas(newRS);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - availableKept(newRS);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const sizes = new Map<ReplicaSet, number>(active.map((rs) => [rs, specReplicas(rs)]));
  const size = (rs: ReplicaSet): number => sizes.get(rs) ?? 0;
  // Unhealthy replicas first: removing them costs no availability.
  let cleaned = 0;
  for (const rs of active) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = size(rs) - availableKept(rs);
    if (size(rs) === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    sizes.set(rs, size(rs) - n);
    cleaned += n;
  }
  // Then available ones, as far as the availability floor allows.
  const available =
    active.reduce((n, rs) => n + Math.min(availableKept(rs), size(rs)), 0) + availableKept(newRS);
  if (available > minAvailable) {
    const budget = available - minAvailable;
    let scaled = 0;
    for (const rs of active) {
      if (scaled >= budget) break;
      if (size(rs) === 0) continue;
      const n = Math.min(size(rs), budget - scaled);
      sizes.set(rs, size(rs) - n);
      scaled += n;
    }
  }
  return active
    .filter((rs) => size(rs) !== specReplicas(rs))
    .map((rs) => ({ rs, replicas: size(rs) }));
}
