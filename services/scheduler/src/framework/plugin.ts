// The scheduler plugin contract, after kube-scheduler's framework. A plugin implements one
// or more extension points; every call is synchronous, so a whole scheduling cycle sees
// one consistent cache (nothing changes it between PreFilter and the decision).
//
//   PreFilter  once per pod: compute what Filter needs, or reject the pod outright
//   Filter     once per candidate node: can the pod run there? (a reason if not)
//   PreScore   once per pod, over the feasible nodes
//   Score      once per feasible node; NormalizeScore maps the plugin's scores onto 0-100
//
// Scores are then weighted and summed; the highest total wins (ties at random).
import type { ClusterEvent } from "./cluster-event.js";
import type { CycleState } from "./cycle-state.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";

/** Scores from Score/NormalizeScore are in [0, MAX_NODE_SCORE]. */
export const MAX_NODE_SCORE = 100;

export type StatusCode =
  /** The pod does not fit now; a cluster change may help. */
  | "Unschedulable"
  /** The pod does not fit and preempting other pods would not help either. */
  | "UnschedulableAndUnresolvable"
  /** The plugin failed; the attempt is retried with back-off. */
  | "Error";

export interface Status {
  readonly code: StatusCode;
  /** Reasons in kube-scheduler's words ("Insufficient cpu"), counted per node in messages. */
  readonly reasons: readonly string[];
}

export function unschedulable(...reasons: string[]): Status {
  return { code: "Unschedulable", reasons };
}

export function unresolvable(...reasons: string[]): Status {
  return { code: "UnschedulableAndUnresolvable", reasons };
}

export function pluginError(reason: string): Status {
  return { code: "Error", reasons: [reason] };
}

/** The cluster as one scheduling cycle sees it. */
export interface ClusterSnapshot {
  /** Candidate nodes (those whose Node object is known), interleaved across zones. */
  readonly nodes: readonly NodeInfo[];
  node(name: string): NodeInfo | undefined;
  /** Nodes holding pods with any pod (anti-)affinity term. */
  nodesWithAffinityPods(): Iterable<NodeInfo>;
  /** Nodes holding pods with a required anti-affinity term. */
  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo>;
}

export interface Plugin {
  /** Name as in messages and logs, e.g. "NodeResourcesFit". */
  readonly name: string;
  /** Cluster events that can make a pod this plugin rejected schedulable. */
  readonly events?: readonly ClusterEvent[];
}

export interface PreFilterPlugin extends Plugin {
  /** Undefined to go on; a Status rejects the pod for every node. */
  preFilter(state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot): Status | undefined;
}

export interface FilterPlugin extends Plugin {
  /** Undefined if the pod may run on `node`; otherwise why not. */
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
}

export interface ScorePlugin extends Plugin {
  preScore?(
    state: CycleState,
    pod: PodInfo,
    nodes: readonly NodeInfo[],
    snapshot: ClusterSnapshot,
  ): void;
  /** A raw score for `node`; in [0, 100] unless normalizeScores maps it there. */
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Maps the raw scores of the feasible nodes (in order) onto [0, 100], in place. */
  normalizeScores?(state: CycleState, pod: PodInfo, scores: number[]): void;
}

export function isPreFilterPlugin(p: Plugin): p is PreFilterPlugin {
  return typeof (p as Partial<PreFilterPlugin>).preFilter === "function";
}

export function isFilterPlugin(p: Plugin): p is FilterPlugin {
  return typeof (p as Partial<FilterPlugin>).filter === "function";
}

export function isScorePlugin(p: Plugin): p is ScorePlugin {
  return typeof (p as Partial<ScorePlugin>).score === "function";
}

/**
 * Kubernetes' DefaultNormalizeScore: scales scores so the highest becomes 100 (and, with
 * `reverse`, flips them so the lowest raw score wins). All zero: 0, or 100 reversed.
 */
export function defaultNormalizeScores(scores: number[], reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] ?? 0;
    if (max === 0) scores[i] = reverse ? MAX_NODE_SCORE : 0;
    else {
      const scaled = Math.floor((MAX_NODE_SCORE * s) / max);
      scores[i] = reverse ? MAX_NODE_SCORE - scaled : scaled;
    }
  }
}
