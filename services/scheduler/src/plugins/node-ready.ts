// NodeReady: pods go only to nodes whose Ready condition is True. Kubernetes gets the same
// effect from the not-ready taint its node lifecycle controller adds; a pod that tolerates
// that taint (node.kubernetes.io/not-ready:NoSchedule, as DaemonSet pods do) may still go.
import type { ClusterEvent } from "../framework/cluster-event.js";
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import { unresolvable, type FilterPlugin, type Status } from "../framework/plugin.js";
import { tolerated, type TaintLike } from "@k8ts/sdk";

export const NODE_NOT_READY_REASON = "node(s) were not ready";

export const NOT_READY_TAINT: TaintLike = {
  key: "node.kubernetes.io/not-ready",
  value: "",
  effect: "NoSchedule",
};

export class NodeReady implements FilterPlugin {
  readonly name = "NodeReady";
  readonly events: readonly ClusterEvent[] = ["NodeAdd", "NodeUpdate"];

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status | undefined {
    if (node.ready) return undefined;
    if (tolerated(pod.pod.spec?.tolerations ?? [], NOT_READY_TAINT)) return undefined;
    return unresolvable(NODE_NOT_READY_REASON);
  }
}
