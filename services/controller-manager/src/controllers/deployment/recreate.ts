// The Recreate strategy's one rule (Kubernetes' rolloutRecreate): old and new pods never
// run together. Old ReplicaSets go to 0 first; the new ReplicaSet is created (or scaled)
// only once no pod of an old one exists any more, terminating ones included.
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { actualReplicaCount, specReplicas } from "./replica-set-groups.js";

/**
 * Whether pods of old ReplicaSets may still run: one reports pods (status.replicas), has
 * not yet observed its latest spec (it may still create some), or a pod it controls is
 * seen that has not finished (Succeeded and Failed pods run nothing).
 */
export function oldPodsRunning(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
  podsByReplicaSet: ReadonlyMap<string, readonly Pod[]>,
): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  if (
    oldRSs.some(
      (rs) =>
        specReplicas(rs) > 0 ||
        (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0),
    )
  )
    return true;
  const newUid = newRS?.metadata?.uid;
  for (const [uid, pods] of podsByReplicaSet) {
    if (newUid !== undefined && uid === newUid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase ?? "";
      if (phase !== "Succeeded" && phase !== "Failed") return true;
    }
  }
  return false;
}
