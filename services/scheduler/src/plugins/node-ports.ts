// NodePorts: a pod's host ports must be free on the node (same protocol and port).
import type { ClusterEvent } from "../framework/cluster-event.js";
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import { unschedulable, type FilterPlugin, type Status } from "../framework/plugin.js";

export const NODE_PORTS_REASON = "node(s) didn't have free ports for the requested pod ports";

export class NodePorts implements FilterPlugin {
  readonly name = "NodePorts";
  readonly events: readonly ClusterEvent[] = ["NodeAdd", "AssignedPodDelete"];

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status | undefined {
    for (const port of pod.hostPorts)
      if (node.portInUse(port)) return unschedulable(NODE_PORTS_REASON);
    return undefined;
  }
}
