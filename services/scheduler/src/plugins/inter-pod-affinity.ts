// InterPodAffinity: pods placed relative to other pods by topology domain (the value of a
// node label such as kubernetes.io/hostname or topology.kubernetes.io/zone).
// Filter (required terms):
//   - affinity: every term must be met by some pod already in the node's domain; the
//     first pod of a group that matches its own terms may go anywhere with the labels;
//   - anti-affinity: no pod matching a term may be in the node's domain;
//   - symmetry: a pod whose required anti-affinity matches the incoming pod keeps it out
//     of its own domain.
// Score (preferred terms): per domain, + weight for each pod there matching a preferred
// affinity term, - weight for anti-affinity, plus the same for existing pods' terms that
// match the incoming pod; then scaled min..max onto 0..100.
import type { ClusterEvent } from "../framework/cluster-event.js";
import { stateKey, type CycleState } from "../framework/cycle-state.js";
import type { NodeInfo } from "../framework/node-info.js";
import { termMatches, type AffinityTerm, type PodInfo } from "../framework/pod-info.js";
import {
  MAX_NODE_SCORE,
  unresolvable,
  unschedulable,
  type ClusterSnapshot,
  type FilterPlugin,
  type PreFilterPlugin,
  type ScorePlugin,
  type Status,
} from "../framework/plugin.js";

export const AFFINITY_REASON = "node(s) didn't match pod affinity rules";
export const ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules";
export const EXISTING_ANTI_AFFINITY_REASON =
  "node(s) didn't satisfy existing pods anti-affinity rules";

/** What an existing pod's required affinity to the incoming pod adds to a domain's score. */
const HARD_POD_AFFINITY_WEIGHT = 1;

/** Numbers per topology domain: label key -> label value -> number. */
class TopologyCounts {
  private readonly byKey = new Map<string, Map<string, number>>();

  get size(): number {
    return this.byKey.size;
  }

  add(node: NodeInfo, key: string, delta: number): void {
    const value = node.labels[key];
    if (value === undefined) return;
    let values = this.byKey.get(key);
    if (values === undefined) {
      values = new Map();
      this.byKey.set(key, values);
    }
    values.set(value, (values.get(value) ?? 0) + delta);
  }

  /** The number for the node's domain under `key` (0 if the node lacks the label). */
  get(node: NodeInfo, key: string): number {
    const value = node.labels[key];
    return value === undefined ? 0 : (this.byKey.get(key)?.get(value) ?? 0);
  }

  /** The sum of the node's domains under every key. */
  sum(node: NodeInfo): number {
    let total = 0;
    for (const key of this.byKey.keys()) total += this.get(node, key);
    return total;
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }
}

interface FilterState {
  /** Domains that existing pods' required anti-affinity closes to the incoming pod. */
  readonly existingAntiAffinity: TopologyCounts;
  /** Pods matching all of the incoming pod's affinity terms, per domain of each term. */
  readonly affinity: TopologyCounts;
  /** Pods matching each of the incoming pod's anti-affinity terms, per domain. */
  readonly antiAffinity: TopologyCounts;
}

const FILTER = stateKey<FilterState>("InterPodAffinity/filter");
const SCORE = stateKey<TopologyCounts>("InterPodAffinity/score");

function matchesAll(terms: readonly AffinityTerm[], pod: PodInfo): boolean {
  return terms.every((t) => termMatches(t, pod));
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, ScorePlugin {
  readonly name = "InterPodAffinity";
  readonly events: readonly ClusterEvent[] = [
    "NodeAdd",
    "NodeUpdate",
    "AssignedPodAdd",
    "AssignedPodUpdate",
    "AssignedPodDelete",
  ];

  preFilter(state: CycleState, pod: PodInfo, snapshot: ClusterSnapshot): Status | undefined {
    const s: FilterState = {
      existingAntiAffinity: new TopologyCounts(),
      affinity: new TopologyCounts(),
      antiAffinity: new TopologyCounts(),
    };
    for (const node of snapshot.nodesWithRequiredAntiAffinityPods())
      for (const existing of node.pods.values()) {
        if (existing.uid === pod.uid) continue;
        for (const term of existing.requiredAntiAffinityTerms)
          if (termMatches(term, pod)) s.existingAntiAffinity.add(node, term.topologyKey, 1);
      }
    const affinity = pod.requiredAffinityTerms;
    const anti = pod.requiredAntiAffinityTerms;
    if (affinity.length > 0 || anti.length > 0)
      for (const node of snapshot.nodes)
        for (const existing of node.pods.values()) {
          if (existing.uid === pod.uid) continue;
          if (affinity.length > 0 && matchesAll(affinity, existing))
            for (const term of affinity) s.affinity.add(node, term.topologyKey, 1);
          for (const term of anti)
            if (termMatches(term, existing)) s.antiAffinity.add(node, term.topologyKey, 1);
        }
    state.write(FILTER, s);
    return undefined;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    const s = state.read(FILTER);
    if (s === undefined) return undefined;
    if (!this.satisfiesAffinity(s, pod, node)) return unresolvable(AFFINITY_REASON);
    for (const term of pod.requiredAntiAffinityTerms)
      if (s.antiAffinity.get(node, term.topologyKey) > 0)
        return unschedulable(ANTI_AFFINITY_REASON);
    for (const key of s.existingAntiAffinity.keys())
      if (s.existingAntiAffinity.get(node, key) > 0)
        return unschedulable(EXISTING_ANTI_AFFINITY_REASON);
    return undefined;
  }

  private satisfiesAffinity(s: FilterState, pod: PodInfo, node: NodeInfo): boolean {
    let podsExist = true;
    for (const term of pod.requiredAffinityTerms) {
      // The node must carry every topology label the terms name.
      if (node.labels[term.topologyKey] === undefined) return false;
      if (s.affinity.get(node, term.topologyKey) <= 0) podsExist = false;
    }
    if (podsExist) return true;
    // The first pod of a group with affinity to itself: allowed while no pod anywhere
    // matches the terms.
    return s.affinity.size === 0 && matchesAll(pod.requiredAffinityTerms, pod);
  }

  preScore(
    state: CycleState,
    pod: PodInfo,
    _nodes: readonly NodeInfo[],
    snapshot: ClusterSnapshot,
  ): void {
    const own = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
    const scores = new TopologyCounts();
    const sources = own ? snapshot.nodes : snapshot.nodesWithAffinityPods();
    for (const node of sources)
      for (const existing of node.pods.values()) {
        if (existing.uid === pod.uid) continue;
        for (const t of pod.preferredAffinityTerms)
          if (termMatches(t, existing)) scores.add(node, t.topologyKey, t.weight);
        for (const t of pod.preferredAntiAffinityTerms)
          if (termMatches(t, existing)) scores.add(node, t.topologyKey, -t.weight);
        for (const t of existing.requiredAffinityTerms)
          if (termMatches(t, pod)) scores.add(node, t.topologyKey, HARD_POD_AFFINITY_WEIGHT);
        for (const t of existing.preferredAffinityTerms)
          if (termMatches(t, pod)) scores.add(node, t.topologyKey, t.weight);
        for (const t of existing.preferredAntiAffinityTerms)
          if (termMatches(t, pod)) scores.add(node, t.topologyKey, -t.weight);
      }
    if (scores.size > 0) state.write(SCORE, scores);
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    return state.read(SCORE)?.sum(node) ?? 0;
  }

  /** Raw scores may be negative: min..max maps onto 0..100 (all equal: 0). */
  normalizeScores(state: CycleState, _pod: PodInfo, scores: number[]): void {
    if (state.read(SCORE) === undefined) return;
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    const range = max - min;
    for (let i = 0; i < scores.length; i++)
      scores[i] = range > 0 ? Math.floor((MAX_NODE_SCORE * ((scores[i] ?? 0) - min)) / range) : 0;
  }
}
