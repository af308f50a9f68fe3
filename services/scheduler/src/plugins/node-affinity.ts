// NodeAffinity: the pod's nodeSelector and required node affinity must match the node
// (Filter); nodes matching its preferred terms score the sum of their weights, scaled so
// the best node gets 100 (Score).
import type { ClusterEvent } from "../framework/cluster-event.js";
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import {
  defaultNormalizeScores,
  unresolvable,
  type FilterPlugin,
  type ScorePlugin,
  type Status,
} from "../framework/plugin.js";
import { nodeSelectorMatches, nodeSelectorTermMatches } from "./node-selector-terms.js";

export const NODE_AFFINITY_REASON = "node(s) didn't match Pod's node affinity/selector";

export class NodeAffinity implements FilterPlugin, ScorePlugin {
  readonly name = "NodeAffinity";
  readonly events: readonly ClusterEvent[] = ["NodeAdd", "NodeUpdate"];

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status | undefined {
    const labels = node.labels;
    const spec = pod.pod.spec;
    for (const [key, value] of Object.entries(spec?.nodeSelector ?? {}))
      if (labels[key] !== value) return unresolvable(NODE_AFFINITY_REASON);
    const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required !== undefined && !nodeSelectorMatches(required, labels, node.name))
      return unresolvable(NODE_AFFINITY_REASON);
    return undefined;
  }

  score(_state: unknown, pod: PodInfo, node: NodeInfo): number {
    const preferred =
      pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let sum = 0;
    for (const term of preferred)
      if (
        term.weight !== 0 &&
        term.preference !== undefined &&
        nodeSelectorTermMatches(term.preference, node.labels, node.name)
      )
        sum += term.weight;
    return sum;
  }

  normalizeScores(_state: unknown, _pod: PodInfo, scores: number[]): void {
    defaultNormalizeScores(scores, false);
  }
}
