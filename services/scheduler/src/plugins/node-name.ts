// NodeName: a pod that names its node (spec.nodeName) fits only there. Pods created with a
// nodeName are bound at creation and never reach the queue; this keeps the framework
// honest for any pod that does (and mirrors kube-scheduler's plugin set).
import type { ClusterEvent } from "../framework/cluster-event.js";
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import { unresolvable, type FilterPlugin, type Status } from "../framework/plugin.js";

export const NODE_NAME_REASON = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = "NodeName";
  readonly events: readonly ClusterEvent[] = ["NodeAdd"];

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status | undefined {
    if (pod.nodeName === "" || pod.nodeName === node.name) return undefined;
    return unresolvable(NODE_NAME_REASON);
  }
}
