// The plugins of one scheduler profile, and how their extension points run for one pod.
import type { ClusterEvent } from "./cluster-event.js";
import { CLUSTER_EVENTS } from "./cluster-event.js";
import type { CycleState } from "./cycle-state.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";
import {
  MAX_NODE_SCORE,
  isFilterPlugin,
  isPreFilterPlugin,
  isScorePlugin,
  type ClusterSnapshot,
  type FilterPlugin,
  type Plugin,
  type PreFilterPlugin,
  type ScorePlugin,
  type Status,
} from "./plugin.js";

export interface PluginEntry {
  readonly plugin: Plugin;
  /** Weight of its scores in the total (default 1); ignored for non-scoring plugins. */
  readonly weight?: number;
}

/** A plugin's verdict on a pod (for one node, or for all at PreFilter). */
export interface Rejection {
  readonly plugin: string;
  readonly status: Status;
}

/** A plugin failed (Status "Error" or a thrown exception): the attempt is retried. */
export class PluginFailure extends Error {
  constructor(
    readonly plugin: string,
    readonly point: string,
    cause: unknown,
  ) {
    super(
      `plugin ${plugin} failed at ${point}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = "PluginFailure";
  }
}

export class Framework {
  readonly preFilters: readonly PreFilterPlugin[];
  readonly filters: readonly FilterPlugin[];
  readonly scorers: readonly { readonly plugin: ScorePlugin; readonly weight: number }[];
  private readonly plugins: readonly Plugin[];

  /** Filters run in the order given: the first that rejects a node names the reason. */
  constructor(entries: readonly PluginEntry[]) {
    this.plugins = entries.map((e) => e.plugin);
    this.preFilters = this.plugins.filter(isPreFilterPlugin);
    this.filters = this.plugins.filter(isFilterPlugin);
    this.scorers = entries
      .filter((e): e is PluginEntry & { plugin: ScorePlugin } => isScorePlugin(e.plugin))
      .map((e) => ({ plugin: e.plugin, weight: e.weight ?? 1 }))
      .filter((s) => s.weight > 0);
  }

  /** The events each plugin says can undo its rejections (all events if it says nothing). */
  pluginEvents(): Map<string, ReadonlySet<ClusterEvent>> {
    const out = new Map<string, ReadonlySet<ClusterEvent>>();
    for (const p of this.plugins) out.set(p.name, new Set(p.events ?? CLUSTER_EVENTS));
    return out;
  }

  runPreFilter(state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot): Rejection | undefined {
    for (const p of this.preFilters) {
      let status: Status | undefined;
      try {
        status = p.preFilter(state, pod, snapshot);
      } catch (e) {
        throw new PluginFailure(p.name, "PreFilter", e);
      }
      if (status === undefined) continue;
      if (status.code === "Error")
        throw new PluginFailure(p.name, "PreFilter", status.reasons.join(", "));
      return { plugin: p.name, status };
    }
    return undefined;
  }

  /** The first rejection of `node`, or undefined if the pod may run there. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Rejection | undefined {
    // Called for every node of every cycle: no closures, one try per plugin call.
    for (const p of this.filters) {
      let status: Status | undefined;
      try {
        status = p.filter(state, pod, node);
      } catch (e) {
        throw new PluginFailure(p.name, "Filter", e);
      }
      if (status === undefined) continue;
      if (status.code === "Error")
        throw new PluginFailure(p.name, "Filter", status.reasons.join(", "));
      return { plugin: p.name, status };
    }
    return undefined;
  }

  /** Weighted sum of every scoring plugin's normalized score, per node (in order). */
  runScores(
    state: CycleState,
    pod: PodInfo,
    nodes: readonly NodeInfo[],
    snapshot: ClusterSnapshot,
  ): number[] {
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length).fill(0);
    for (const { plugin, weight } of this.scorers) {
      let point = "PreScore";
      try {
        plugin.preScore?.(state, pod, nodes, snapshot);
        point = "Score";
        for (let i = 0; i < nodes.length; i++) {
          const node = nodes[i];
          scores[i] = node === undefined ? 0 : plugin.score(state, pod, node);
        }
        point = "NormalizeScore";
        plugin.normalizeScores?.(state, pod, scores);
      } catch (e) {
        throw new PluginFailure(plugin.name, point, e);
      }
      for (let i = 0; i < scores.length; i++) {
        const s = Math.min(MAX_NODE_SCORE, Math.max(0, Math.floor(scores[i] ?? 0)));
        totals[i] = (totals[i] ?? 0) + s * weight;
      }
    }
    return totals;
  }
}
