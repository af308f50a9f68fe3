// The conditions of a node whose kubelet stopped reporting (Kubernetes' node lifecycle
// controller): each kubelet condition becomes Unknown, so nobody trusts the last report.
import type { Node, NodeCondition } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";

/** Conditions the kubelet owns and the controller marks Unknown when it goes silent. */
export const KUBELET_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

export const REASON_UNKNOWN = "NodeStatusUnknown";
export const MESSAGE_UNKNOWN = "Kubelet stopped posting node status.";
export const REASON_NEVER_UPDATED = "NodeStatusNeverUpdated";
export const MESSAGE_NEVER_UPDATED = "Kubelet never posted node status.";

/** The status of the node's Ready condition ("True", "False", "Unknown"), if it has one. */
export function readyStatus(node: Node): string | undefined {
  return node.status?.conditions.find((c) => c.type === "Ready")?.status;
}

/**
 * The node's conditions with every kubelet condition Unknown (missing ones added), or
 * undefined when they already are. lastHeartbeatTime stays: it is the kubelet's.
 */
export function unknownConditions(node: Node, now: Date): NodeCondition[] | undefined {
  const conditions = [...(node.status?.conditions ?? [])];
  let changed = false;
  for (const type of KUBELET_CONDITIONS) {
    const i = conditions.findIndex((c) => c.type === type);
    const current = conditions[i];
    if (current === undefined) {
      conditions.push({
        type,
        status: "Unknown",
        reason: REASON_NEVER_UPDATED,
        message: MESSAGE_NEVER_UPDATED,
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: now,
      });
      changed = true;
    } else if (current.status !== "Unknown") {
      conditions[i] = {
        ...current,
        status: "Unknown",
        reason: REASON_UNKNOWN,
        message: MESSAGE_UNKNOWN,
        lastTransitionTime: now,
      };
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}
