// One scheduling decision: PreFilter, Filter over the nodes (stopping once enough feasible
// nodes are found in a large cluster, starting where the previous search stopped so every
// node gets its turn), Score the feasible ones, pick the best (ties at random).
import { CycleState } from "./cycle-state.js";
import { fitErrorMessage } from "./fit-error.js";
import type { Framework, Rejection } from "./framework.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";
import type { ClusterSnapshot } from "./plugin.js";

/** Below this many nodes every node is checked (kube-scheduler's minFeasibleNodesToFind). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** The adaptive percentage never goes below this (minFeasibleNodesPercentageToFind). */
export const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

/**
 * How many feasible nodes to find before scoring, as kube-scheduler: all nodes below 100;
 * otherwise `percentage` of them (0 = adaptive: 50% minus 1% per 125 nodes, at least 5%),
 * and never fewer than 100.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let p = percentage;
  if (p <= 0) p = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE, 50 - Math.floor(numAllNodes / 125));
  const n = Math.floor((numAllNodes * p) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

export type ScheduleOutcome =
  | {
      readonly kind: "scheduled";
      readonly nodeName: string;
      /** Nodes checked by Filter, and how many of them were feasible. */
      readonly evaluated: number;
      readonly feasible: number;
    }
  | {
      readonly kind: "unschedulable";
      readonly message: string;
      /** Plugins that rejected the pod somewhere (what events may help it). */
      readonly plugins: ReadonlySet<string>;
      /** Per rejected node, the plugin and its reasons. */
      readonly rejections: ReadonlyMap<string, Rejection>;
    };

export interface SchedulePodOptions {
  /** --percentage-of-nodes-to-score: 0 adaptive, 1-100 fixed. */
  readonly percentageOfNodesToScore: number;
  /** Random numbers in [0, 1) for tie-breaking (injectable for tests). */
  readonly random?: () => number;
}

export class PodScheduler {
  private nextStartNodeIndex = 0;
  private readonly random: () => number;

  constructor(
    private readonly framework: Framework,
    private readonly options: SchedulePodOptions,
  ) {
    this.random = options.random ?? Math.random;
  }

  /** Decides where `pod` goes. Throws PluginFailure when a plugin fails. */
  schedule(pod: PodInfo, snapshot: ClusterSnapshot): ScheduleOutcome {
    const all = snapshot.nodes;
    const state = new CycleState();
    if (all.length === 0)
      return {
        kind: "unschedulable",
        message: fitErrorMessage(0, []),
        plugins: new Set(),
        rejections: new Map(),
      };
    const pre = this.framework.runPreFilter(state, pod, snapshot);
    if (pre !== undefined)
      return {
        kind: "unschedulable",
        message: fitErrorMessage(all.length, [], pre.status.reasons),
        plugins: new Set([pre.plugin]),
        rejections: new Map(),
      };

    const { feasible, rejections, evaluated } = this.findFeasible(state, pod, all);
    if (feasible.length === 0)
      return {
        kind: "unschedulable",
        message: fitErrorMessage(
          all.length,
          [...rejections.values()].map((r) => r.status.reasons),
        ),
        plugins: new Set([...rejections.values()].map((r) => r.plugin)),
        rejections,
      };
    const only = feasible[0];
    if (feasible.length === 1 && only !== undefined)
      return { kind: "scheduled", nodeName: only.name, evaluated, feasible: 1 };
    const totals = this.framework.runScores(state, pod, feasible, snapshot);
    return {
      kind: "scheduled",
      nodeName: this.selectHost(feasible, totals),
      evaluated,
      feasible: feasible.length,
    };
  }

  private findFeasible(
    state: CycleState,
    pod: PodInfo,
    all: readonly NodeInfo[],
  ): { feasible: NodeInfo[]; rejections: Map<string, Rejection>; evaluated: number } {
    const n = all.length;
    const want = numFeasibleNodesToFind(this.options.percentageOfNodesToScore, n);
    const start = this.nextStartNodeIndex % n;
    const feasible: NodeInfo[] = [];
    const rejections = new Map<string, Rejection>();
    let evaluated = 0;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const node = all[(start + i) % n];
      if (node === undefined) continue;
      evaluated++;
      const rejection = this.framework.runFilters(state, pod, node);
      if (rejection === undefined) feasible.push(node);
      else rejections.set(node.name, rejection);
    }
    this.nextStartNodeIndex = (start + evaluated) % n;
    return { feasible, rejections, evaluated };
  }

  /** The node with the highest total; among equals, each is equally likely (reservoir). */
  private selectHost(nodes: readonly NodeInfo[], totals: readonly number[]): string {
    let best = -1;
    let chosen = "";
    let ties = 0;
    for (let i = 0; i < nodes.length; i++) {
      const score = totals[i] ?? 0;
      const node = nodes[i];
      if (node === undefined) continue;
      if (score > best) {
        best = score;
        chosen = node.name;
        ties = 1;
      } else if (score === best) {
        ties++;
        if (this.random() * ties < 1) chosen = node.name;
      }
    }
    return chosen;
  }
}
