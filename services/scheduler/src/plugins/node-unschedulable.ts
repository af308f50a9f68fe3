// NodeUnschedulable: no new pods on a cordoned node (spec.unschedulable), unless the pod
// tolerates node.kubernetes.io/unschedulable:NoSchedule.
import type { ClusterEvent } from "../framework/cluster-event.js";
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import { unresolvable, type FilterPlugin, type Status } from "../framework/plugin.js";
import { tolerated, type TaintLike } from "@k8ts/sdk";

export const NODE_UNSCHEDULABLE_REASON = "node(s) were unschedulable";

export const UNSCHEDULABLE_TAINT: TaintLike = {
  key: "node.kubernetes.io/unschedulable",
  value: "",
  effect: "NoSchedule",
};

export class NodeUnschedulable implements FilterPlugin {
  readonly name = "NodeUnschedulable";
  readonly events: readonly ClusterEvent[] = ["NodeAdd", "NodeUpdate"];

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status | undefined {
    if (node.node?.spec?.unschedulable !== true) return undefined;
    if (tolerated(pod.pod.spec?.tolerations ?? [], UNSCHEDULABLE_TAINT)) return undefined;
    return unresolvable(NODE_UNSCHEDULABLE_REASON);
  }
}
