// TaintToleration: a node's NoSchedule and NoExecute taints keep out pods that do not
// tolerate them (Filter, naming the first such taint); PreferNoSchedule taints only count
// against a node: the fewer untolerated ones, the higher its score.
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
import { tolerated, type TaintLike } from "@k8ts/sdk";

export function untoleratedTaintReason(taint: TaintLike): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value}}`;
}

export class TaintToleration implements FilterPlugin, ScorePlugin {
  readonly name = "TaintToleration";
  readonly events: readonly ClusterEvent[] = ["NodeAdd", "NodeUpdate"];

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Status | undefined {
    const tolerations = pod.pod.spec?.tolerations ?? [];
    for (const taint of node.taints) {
      if (taint.effect !== "NoSchedule" && taint.effect !== "NoExecute") continue;
      if (!tolerated(tolerations, taint)) return unresolvable(untoleratedTaintReason(taint));
    }
    return undefined;
  }

  /** Untolerated PreferNoSchedule taints (reversed by normalization: fewer is better). */
  score(_state: unknown, pod: PodInfo, node: NodeInfo): number {
    const tolerations = (pod.pod.spec?.tolerations ?? []).filter(
      (t) => t.effect === "" || t.effect === "PreferNoSchedule",
    );
    let count = 0;
    for (const taint of node.taints)
      if (taint.effect === "PreferNoSchedule" && !tolerated(tolerations, taint)) count++;
    return count;
  }

  normalizeScores(_state: unknown, _pod: PodInfo, scores: number[]): void {
    defaultNormalizeScores(scores, true);
  }
}
