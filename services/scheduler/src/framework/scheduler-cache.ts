// The scheduler's picture of the cluster: every node with the pods on it, including pods
// the scheduler has ASSUMED onto a node while their bind is in flight, so the next
// decisions already count them. The informers confirm an assumed pod (its bound version
// arrives), a failed bind forgets it, and an assumed pod the informers never confirm
// expires `assumedPodTtlMs` after its bind finished. Terminal pods (Succeeded, Failed) hold
// nothing and are left out.
import { systemClock, type Clock, type Logger, type Timer } from "@k8ts/sdk";
import type { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { NodeInfo } from "./node-info.js";
import { boundTo, newPodInfo, type PodInfo } from "./pod-info.js";
import type { ClusterSnapshot } from "./plugin.js";

export interface SchedulerCacheOptions {
  /** How long an assumed pod whose bind succeeded waits for the informer (default 30 s). */
  readonly assumedPodTtlMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

interface Assumed {
  readonly podInfo: PodInfo;
  /** Set when the bind finished: monotonic time after which the pod expires. */
  deadline: number | undefined;
}

export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase ?? "";
  return phase === "Succeeded" || phase === "Failed";
}

export class SchedulerCache implements ClusterSnapshot {
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  private readonly ttlMs: number;
  private readonly infos = new Map<string, NodeInfo>();
  /** Pods in the cache by uid, and the node each is on. */
  private readonly podNodes = new Map<string, string>();
  private readonly assumed = new Map<string, Assumed>();
  private readonly affinityNodes = new Set<NodeInfo>();
  private readonly antiAffinityNodes = new Set<NodeInfo>();
  private ordered: NodeInfo[] | undefined;
  private expiryTimer: Timer | undefined;

  constructor(options: SchedulerCacheOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger;
    this.ttlMs = options.assumedPodTtlMs ?? 30_000;
  }

  /** Expires assumed pods periodically until `signal` aborts. */
  start(signal: AbortSignal): void {
    const interval = Math.max(10, Math.min(1_000, this.ttlMs / 2));
    const tick = (): void => {
      this.cleanupExpiredAssumedPods();
      this.expiryTimer = this.clock.setTimer(interval, tick);
    };
    if (signal.aborted) return;
    this.expiryTimer = this.clock.setTimer(interval, tick);
    signal.addEventListener("abort", () => this.expiryTimer?.cancel(), { once: true });
  }

  // --- ClusterSnapshot ---------------------------------------------------------------

  /** Nodes with a known Node object, interleaved across zones (spreads sampled nodes). */
  get nodes(): readonly NodeInfo[] {
    this.ordered ??= this.zoneInterleaved();
    return this.ordered;
  }

  node(name: string): NodeInfo | undefined {
    const info = this.infos.get(name);
    return info?.node === undefined ? undefined : info;
  }

  nodesWithAffinityPods(): Iterable<NodeInfo> {
    return [...this.affinityNodes].filter((n) => n.node !== undefined);
  }

  nodesWithRequiredAntiAffinityPods(): Iterable<NodeInfo> {
    return [...this.antiAffinityNodes].filter((n) => n.node !== undefined);
  }

  // --- nodes ---------------------------------------------------------------------------

  get nodeCount(): number {
    return this.nodes.length;
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? "";
    const info = this.infoFor(name);
    const zoneBefore = info.node === undefined ? undefined : info.zone;
    info.setNode(node);
    if (zoneBefore !== info.zone) this.ordered = undefined;
  }

  updateNode(node: Node): void {
    this.addNode(node);
  }

  removeNode(node: Node): void {
    const name = node.metadata?.name ?? "";
    const info = this.infos.get(name);
    if (info === undefined) return;
    info.setNode(undefined);
    this.ordered = undefined;
    // Pods still on a deleted node stay accounted until they go (the pod GC removes them).
    if (info.podCount === 0) this.infos.delete(name);
  }

  // --- pods from the informer ------------------------------------------------------------

  /** A bound pod the informer reports (new, or the confirmation of an assumed one). */
  addPod(pod: Pod): void {
    if (isTerminal(pod)) return this.removePod(pod);
    const info = newPodInfo(pod);
    if (info.nodeName === "") return;
    this.assumed.delete(info.uid);
    this.place(info);
  }

  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    this.assumed.delete(uid);
    this.unplace(uid);
  }

  /** Whether a pod with `uid` holds resources in the cache (bound or assumed). */
  hasPod(uid: string): boolean {
    return this.podNodes.has(uid);
  }

  // --- assumed pods ------------------------------------------------------------------------

  /** Counts the pod on `nodeName` before its bind is confirmed; returns the bound copy. */
  assumePod(podInfo: PodInfo, nodeName: string): PodInfo {
    const bound = boundTo(podInfo, nodeName);
    this.assumed.set(podInfo.uid, { podInfo: bound, deadline: undefined });
    this.place(bound);
    return bound;
  }

  isAssumed(uid: string): boolean {
    return this.assumed.has(uid);
  }

  /** The bind succeeded: the pod expires if the informer does not confirm it in time. */
  finishBinding(uid: string): void {
    const a = this.assumed.get(uid);
    if (a !== undefined) a.deadline = this.clock.now() + this.ttlMs;
  }

  /** The bind failed: the assumed pod no longer holds anything. Returns whether it did. */
  forgetPod(uid: string): boolean {
    if (!this.assumed.delete(uid)) return false;
    this.unplace(uid);
    return true;
  }

  cleanupExpiredAssumedPods(): void {
    const now = this.clock.now();
    for (const [uid, a] of this.assumed) {
      if (a.deadline === undefined || a.deadline > now) continue;
      this.log?.warn(
        { pod: a.podInfo.key, node: a.podInfo.nodeName },
        "assumed pod expired: its binding was never confirmed",
      );
      this.assumed.delete(uid);
      this.unplace(uid);
    }
  }

  // --- internals ---------------------------------------------------------------------------

  private infoFor(name: string): NodeInfo {
    let info = this.infos.get(name);
    if (info === undefined) {
      info = new NodeInfo(name);
      this.infos.set(name, info);
    }
    return info;
  }

  private place(pod: PodInfo): void {
    this.unplace(pod.uid);
    const info = this.infoFor(pod.nodeName);
    info.addPod(pod);
    this.podNodes.set(pod.uid, pod.nodeName);
    this.track(info);
  }

  private unplace(uid: string): void {
    const nodeName = this.podNodes.get(uid);
    if (nodeName === undefined) return;
    this.podNodes.delete(uid);
    const info = this.infos.get(nodeName);
    if (info === undefined) return;
    info.removePod(uid);
    this.track(info);
    if (info.node === undefined && info.podCount === 0) this.infos.delete(nodeName);
  }

  private track(info: NodeInfo): void {
    if (info.podsWithAffinity > 0) this.affinityNodes.add(info);
    else this.affinityNodes.delete(info);
    if (info.podsWithRequiredAntiAffinity > 0) this.antiAffinityNodes.add(info);
    else this.antiAffinityNodes.delete(info);
  }

  /**
   * Kubernetes' node tree: nodes grouped by zone, listed round-robin across zones, so the
   * first nodes a sampled search looks at span every zone.
   */
  private zoneInterleaved(): NodeInfo[] {
    const zones = new Map<string, NodeInfo[]>();
    const names = [...this.infos.keys()].sort();
    for (const name of names) {
      const info = this.infos.get(name);
      if (info?.node === undefined) continue;
      const list = zones.get(info.zone);
      if (list === undefined) zones.set(info.zone, [info]);
      else list.push(info);
    }
    const out: NodeInfo[] = [];
    const lists = [...zones.values()];
    for (let i = 0; out.length < names.length; i++) {
      let any = false;
      for (const list of lists) {
        const info = list[i];
        if (info === undefined) continue;
        out.push(info);
        any = true;
      }
      if (!any) break;
    }
    return out;
  }
}
