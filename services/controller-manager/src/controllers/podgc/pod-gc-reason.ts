// Which Pods pod GC force-deletes, and why (Kubernetes' pod GC):
// - orphaned: bound to a node that does not exist (its kubelet will never finish them);
// - unscheduled-terminating: being deleted without ever having been bound;
// - terminating-on-lost-node: being deleted, past the end of the grace period, on a node
//   that cannot finish the deletion (tainted unreachable NoExecute, or out-of-service),
//   so that their owners can replace them.
import type { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { TAINT_OUT_OF_SERVICE, TAINT_UNREACHABLE } from "../nodelifecycle/node-taints.js";

export type PodGcReason = "orphaned" | "unscheduled-terminating" | "terminating-on-lost-node";

/**
 * Whether the node cannot finish its Pods' deletion. The unreachable taint counts only as
 * NoExecute: the node lifecycle controller withholds that one during a full disruption,
 * when the silence is more likely ours than the nodes'.
 */
export function isLostNode(node: Node): boolean {
  return (node.spec?.taints ?? []).some(
    (t) =>
      t.key === TAINT_OUT_OF_SERVICE || (t.key === TAINT_UNREACHABLE && t.effect === "NoExecute"),
  );
}

/**
 * Why the Pod should be force-deleted now, or undefined. `node` is the cached Node of the
 * Pod's spec.nodeName (undefined: none). A Pod's deletionTimestamp is already the end of
 * its grace period (the apiserver sets it to the time of the delete plus the grace).
 */
export function podGcReason(
  pod: Pod,
  node: Node | undefined,
  nowMs: number,
): PodGcReason | undefined {
  const nodeName = pod.spec?.nodeName ?? "";
  const deletion = pod.metadata?.deletionTimestamp;
  if (nodeName === "") return deletion === undefined ? undefined : "unscheduled-terminating";
  if (node === undefined) return "orphaned";
  if (deletion === undefined || !isLostNode(node)) return undefined;
  return nowMs >= deletion.getTime() ? "terminating-on-lost-node" : undefined;
}
