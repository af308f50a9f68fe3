// NodeResourcesLeastAllocated: prefer nodes with the most free CPU and memory after
// placing the pod: per resource (allocatable - requested) * 100 / allocatable, averaged
// with equal weights. Requests count containers without requests as 100m CPU and 200Mi
// memory, so pods without requests still spread.
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import { MAX_NODE_SCORE, type ScorePlugin } from "../framework/plugin.js";

/** (capacity - requested) * 100 / capacity, 0 when over capacity (truncated, as Kubernetes). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export class LeastAllocated implements ScorePlugin {
  readonly name = "NodeResourcesLeastAllocated";

  score(_state: unknown, pod: PodInfo, node: NodeInfo): number {
    const n = node.scoring;
    let sum = 0;
    let weights = 0;
    if (n.allocatableCpu > 0) {
      sum += leastRequestedScore(n.nonZeroCpu + pod.scoring.nonZeroCpu, n.allocatableCpu);
      weights++;
    }
    if (n.allocatableMemory > 0) {
      sum += leastRequestedScore(n.nonZeroMemory + pod.scoring.nonZeroMemory, n.allocatableMemory);
      weights++;
    }
    return weights === 0 ? 0 : Math.floor(sum / weights);
  }
}
