// OwnerSpread: spread the pods of one controller (same namespace and controller owner
// reference, e.g. the replicas of a ReplicaSet) across nodes and zones, as
// kube-scheduler's SelectorSpread: a node scores 100 * (max - count) / max by the pods of
// the owner already on it, and when nodes have zones (topology.kubernetes.io/zone) that
// node score counts 1/3 and the same formula over zones 2/3.
import { stateKey, type CycleState } from "../framework/cycle-state.js";
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";
import { MAX_NODE_SCORE, type ScorePlugin } from "../framework/plugin.js";

const ZONE_WEIGHTING = 2 / 3;

interface SpreadState {
  readonly nodes: readonly NodeInfo[];
}

const SPREAD = stateKey<SpreadState>("OwnerSpread");

/** Pods on `node` of the same owner as `pod` (terminating ones do not count). */
export function siblingsOn(pod: PodInfo, node: NodeInfo): number {
  return pod.controllerKey === undefined ? 0 : node.podsOfController(pod.controllerKey);
}

export class OwnerSpread implements ScorePlugin {
  readonly name = "OwnerSpread";

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): void {
    if (pod.controllerKey !== undefined) state.write(SPREAD, { nodes });
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    return state.read(SPREAD) === undefined ? 0 : siblingsOn(pod, node);
  }

  normalizeScores(state: CycleState, _pod: PodInfo, scores: number[]): void {
    const spread = state.read(SPREAD);
    if (spread === undefined) return;
    let maxByNode = 0;
    const byZone = new Map<string, number>();
    spread.nodes.forEach((node, i) => {
      const count = scores[i] ?? 0;
      if (count > maxByNode) maxByNode = count;
      if (node.zone !== "") byZone.set(node.zone, (byZone.get(node.zone) ?? 0) + count);
    });
    let maxByZone = 0;
    for (const c of byZone.values()) if (c > maxByZone) maxByZone = c;
    const haveZones = byZone.size > 0;
    spread.nodes.forEach((node, i) => {
      const count = scores[i] ?? 0;
      let score =
        maxByNode > 0 ? (MAX_NODE_SCORE * (maxByNode - count)) / maxByNode : MAX_NODE_SCORE;
      if (haveZones && node.zone !== "") {
        const zoneCount = byZone.get(node.zone) ?? 0;
        const zoneScore =
          maxByZone > 0 ? (MAX_NODE_SCORE * (maxByZone - zoneCount)) / maxByZone : MAX_NODE_SCORE;
        score = score * (1 - ZONE_WEIGHTING) + zoneScore * ZONE_WEIGHTING;
      }
      scores[i] = Math.floor(score);
    });
  }
}
