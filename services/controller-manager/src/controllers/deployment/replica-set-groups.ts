// A Deployment's ReplicaSets as the rollout sees them: which one is new (its template
// equals the Deployment's), which are old, which are active, in which order they are
// scaled, and their replica counts summed (spec, status, ready, available).
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { templatesEqualIgnoringHash } from "./pod-template-hash.js";

/** spec.replicas of a ReplicaSet (the apiserver defaults it to 1). */
export function specReplicas(rs: ReplicaSet): number {
  return rs.spec?.replicas ?? 1;
}

function created(rs: ReplicaSet): number {
  return rs.metadata?.creationTimestamp?.getTime() ?? 0;
}

function name(rs: ReplicaSet): string {
  return rs.metadata?.name ?? "";
}

/** Oldest first; equal times by name (Kubernetes' ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  return name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;
}

/** Largest first; equal sizes newest first (Kubernetes' ReplicaSetsBySizeNewer). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreation(b, a);
}

/** Largest first; equal sizes oldest first (Kubernetes' ReplicaSetsBySizeOlder). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreation(a, b);
}

/** ReplicaSets with spec.replicas > 0. */
export function activeReplicaSets(list: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return list.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

/** The ReplicaSets without `undefined` (an absent new ReplicaSet). */
export function present(list: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return list.filter((rs): rs is ReplicaSet => rs !== undefined);
}

/** Sum of spec.replicas. */
export function specReplicaCount(list: readonly (ReplicaSet | undefined)[]): number {
  return present(list).reduce((n, rs) => n + specReplicas(rs), 0);
}

/** Sum of status.replicas (pods that exist). */
export function actualReplicaCount(list: readonly (ReplicaSet | undefined)[]): number {
  return present(list).reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
}

export function readyReplicaCount(list: readonly (ReplicaSet | undefined)[]): number {
  return present(list).reduce((n, rs) => n + (rs.status?.readyReplicas ?? 0), 0);
}

export function availableReplicaCount(list: readonly (ReplicaSet | undefined)[]): number {
  return present(list).reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
}

/**
 * The new ReplicaSet: the oldest whose template equals the Deployment's, ignoring the
 * `pod-template-hash` label. (Several can exist after an adoption; the oldest wins, as in
 * Kubernetes, and the others count as old.)
 */
export function findNewReplicaSet(
  d: Deployment,
  list: readonly ReplicaSet[],
): ReplicaSet | undefined {
  return [...list]
    .sort(byCreation)
    .find((rs) => templatesEqualIgnoringHash(rs.spec?.template, d.spec?.template));
}

/** Every ReplicaSet but the new one. */
export function findOldReplicaSets(
  list: readonly ReplicaSet[],
  newRS: ReplicaSet | undefined,
): ReplicaSet[] {
  const uid = newRS?.metadata?.uid;
  return list.filter((rs) => newRS === undefined || rs.metadata?.uid !== uid);
}

/**
 * With at most one active ReplicaSet, the one to carry all of spec.replicas: the active one,
 * else the new one, else the newest old one. Undefined when several are active.
 */
export function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ReplicaSet | undefined {
  if (newRS === undefined && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}
