// NodeResourcesBalancedAllocation: prefer nodes whose CPU and memory would be used in
// similar proportions after placing the pod, so neither runs out while the other idles:
// 100 * (1 - standard deviation of the requested/allocatable fractions).
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import { MAX_NODE_SCORE, type ScorePlugin } from "../framework/plugin.js";

/** 100 * (1 - std) of the fractions (each capped at 1), truncated as Kubernetes does. */
export function balancedScore(fractions: readonly number[]): number {
  let std = 0;
  if (fractions.length === 2) std = Math.abs(((fractions[0] ?? 0) - (fractions[1] ?? 0)) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    const variance = fractions.reduce((a, f) => a + (f - mean) * (f - mean), 0) / fractions.length;
    std = Math.sqrt(variance);
  }
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}

export class BalancedAllocation implements ScorePlugin {
  readonly name = "NodeResourcesBalancedAllocation";

  score(_state: unknown, pod: PodInfo, node: NodeInfo): number {
    const n = node.scoring;
    const fractions: number[] = [];
    if (n.allocatableCpu > 0)
      fractions.push(Math.min(1, (n.requestedCpu + pod.scoring.cpu) / n.allocatableCpu));
    if (n.allocatableMemory > 0)
      fractions.push(Math.min(1, (n.requestedMemory + pod.scoring.memory) / n.allocatableMemory));
    return balancedScore(fractions);
  }
}
