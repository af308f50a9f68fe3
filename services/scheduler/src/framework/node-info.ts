// One node as the scheduler sees it: the Node object, the pods on it (bound, and assumed
// ones whose bind is in flight), and the sums plugins need (requested resources, host
// ports in use, pods per controller, how many pods have affinity terms). Kept up to date
// incrementally by the cache, and what plugins read on every node of every cycle (zone,
// readiness, allowed pods, numbers for scores) is derived once per change, not per read.
import type { Node, Taint } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { hasPodAffinity, type PodInfo } from "./pod-info.js";
import { CPU, MEMORY, PODS, resourceList, type ResourceList } from "./resources.js";

export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const REGION_LABEL = "topology.kubernetes.io/region";

const EMPTY: ResourceList = new Map();
const NO_LABELS: Readonly<Record<string, string>> = {};

/**
 * CPU (milli-cores) and memory (bytes) as plain numbers for scores, where float
 * arithmetic is fine; fit checks use the exact bigint milli-units.
 */
export interface ScoringResources {
  readonly allocatableCpu: number;
  readonly allocatableMemory: number;
  /** Sums of the pods' requests. */
  readonly requestedCpu: number;
  readonly requestedMemory: number;
  /** Sums with defaults for containers that request nothing (see resources.ts). */
  readonly nonZeroCpu: number;
  readonly nonZeroMemory: number;
}

/** A bigint as a number when that is exact (|v| <= 2^53 - 1), else NaN. */
export function exactNumber(v: bigint): number {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : Number.NaN;
}

/** Memory milli-bytes as bytes (rounded up), as a number. */
export function bytes(milli: bigint): number {
  return Number((milli + 999n) / 1000n);
}

export class NodeInfo {
  private nodeObject: Node | undefined;
  private allocatableList: ResourceList = EMPTY;
  private zoneKey = "";
  private isReady = false;
  private allowed = 0;
  private readonly podsByUid = new Map<string, PodInfo>();
  private readonly requestedList = new Map<string, bigint>();
  /** allocatable - requested per resource named by either (milli-units), kept current. */
  private readonly freeList = new Map<string, bigint>();
  /** free cpu and memory as plain numbers (milli-units), NaN where not exact. */
  private freeCpu = 0;
  private freeMemory = 0;
  private readonly ports = new Map<string, number>();
  private readonly controllers = new Map<string, number>();
  private nonZeroCpuSum = 0n;
  private nonZeroMemorySum = 0n;
  private affinityPods = 0;
  private antiAffinityPods = 0;
  private readonly numbers = {
    allocatableCpu: 0,
    allocatableMemory: 0,
    requestedCpu: 0,
    requestedMemory: 0,
    nonZeroCpu: 0,
    nonZeroMemory: 0,
  };

  constructor(readonly name: string) {}

  /** The Node object; undefined while only pods name this node (the Node is not known yet). */
  get node(): Node | undefined {
    return this.nodeObject;
  }

  setNode(node: Node | undefined): void {
    this.nodeObject = node;
    this.allocatableList = node === undefined ? EMPTY : resourceList(node.status?.allocatable);
    const labels = this.labels;
    const zone = labels[ZONE_LABEL] ?? "";
    const region = labels[REGION_LABEL] ?? "";
    this.zoneKey = region === "" && zone === "" ? "" : `${region}:${zone}`;
    this.isReady = (node?.status?.conditions ?? []).some(
      (c) => c.type === "Ready" && c.status === "True",
    );
    this.allowed = Number((this.allocatableList.get(PODS) ?? 0n) / 1000n);
    this.numbers.allocatableCpu = Number(this.allocatableList.get(CPU) ?? 0n);
    this.numbers.allocatableMemory = bytes(this.allocatableList.get(MEMORY) ?? 0n);
    this.freeList.clear();
    this.freeCpu = 0;
    this.freeMemory = 0;
    for (const name of this.allocatableList.keys()) this.updateFree(name);
    for (const name of this.requestedList.keys()) this.updateFree(name);
  }

  private updateFree(name: string): void {
    const free = (this.allocatableList.get(name) ?? 0n) - (this.requestedList.get(name) ?? 0n);
    this.freeList.set(name, free);
    if (name === CPU) this.freeCpu = exactNumber(free);
    else if (name === MEMORY) this.freeMemory = exactNumber(free);
  }

  /** free cpu (milli-cores) as a number; NaN if beyond exact float integers. */
  get freeCpuMilli(): number {
    return this.freeCpu;
  }

  /** free memory (milli-bytes) as a number; NaN if beyond exact float integers. */
  get freeMemoryMilli(): number {
    return this.freeMemory;
  }

  get labels(): Readonly<Record<string, string>> {
    return this.nodeObject?.metadata?.labels ?? NO_LABELS;
  }

  get taints(): readonly Taint[] {
    return this.nodeObject?.spec?.taints ?? [];
  }

  /** The zone key for spreading: region and zone labels ("" when neither is set). */
  get zone(): string {
    return this.zoneKey;
  }

  /** Whether the node's Ready condition is True. */
  get ready(): boolean {
    return this.isReady;
  }

  /** Pods the node may hold (allocatable "pods"). */
  get allowedPods(): number {
    return this.allowed;
  }

  get allocatable(): ResourceList {
    return this.allocatableList;
  }

  /** Sum of the requests of the pods on the node (milli-units). */
  get requested(): ResourceList {
    return this.requestedList;
  }

  /**
   * What is left of each resource (allocatable - requested, milli-units): the fit check
   * reads one number per resource instead of subtracting on every attempt. A resource
   * named by neither is absent (0 free).
   */
  get free(): ResourceList {
    return this.freeList;
  }

  get nonZeroRequestedCpu(): bigint {
    return this.nonZeroCpuSum;
  }

  get nonZeroRequestedMemory(): bigint {
    return this.nonZeroMemorySum;
  }

  /** CPU and memory as numbers, for scores. */
  get scoring(): ScoringResources {
    return this.numbers;
  }

  get pods(): ReadonlyMap<string, PodInfo> {
    return this.podsByUid;
  }

  get podCount(): number {
    return this.podsByUid.size;
  }

  /** Whether a host port ("TCP/80") is taken by a pod on the node. */
  portInUse(port: string): boolean {
    return (this.ports.get(port) ?? 0) > 0;
  }

  /** Pods on the node (not terminating) of the controller with PodInfo.controllerKey `key`. */
  podsOfController(key: string): number {
    return this.controllers.get(key) ?? 0;
  }

  /** Pods on the node with any pod (anti-)affinity term. */
  get podsWithAffinity(): number {
    return this.affinityPods;
  }

  /** Pods on the node with a required anti-affinity term. */
  get podsWithRequiredAntiAffinity(): number {
    return this.antiAffinityPods;
  }

  addPod(pod: PodInfo): void {
    if (this.podsByUid.has(pod.uid)) this.removePod(pod.uid);
    this.podsByUid.set(pod.uid, pod);
    this.account(pod, 1n);
  }

  /** Removes the pod with `uid`; returns it, or undefined if it was not here. */
  removePod(uid: string): PodInfo | undefined {
    const pod = this.podsByUid.get(uid);
    if (pod === undefined) return undefined;
    this.podsByUid.delete(uid);
    this.account(pod, -1n);
    return pod;
  }

  private account(pod: PodInfo, sign: 1n | -1n): void {
    const one = Number(sign);
    for (const [name, v] of pod.requests) {
      const next = (this.requestedList.get(name) ?? 0n) + sign * v;
      if (next === 0n) this.requestedList.delete(name);
      else this.requestedList.set(name, next);
      this.updateFree(name);
    }
    this.nonZeroCpuSum += sign * pod.nonZeroCpu;
    this.nonZeroMemorySum += sign * pod.nonZeroMemory;
    this.numbers.requestedCpu = Number(this.requestedList.get(CPU) ?? 0n);
    this.numbers.requestedMemory = bytes(this.requestedList.get(MEMORY) ?? 0n);
    this.numbers.nonZeroCpu = Number(this.nonZeroCpuSum);
    this.numbers.nonZeroMemory = bytes(this.nonZeroMemorySum);
    for (const port of pod.hostPorts) {
      const next = (this.ports.get(port) ?? 0) + one;
      if (next <= 0) this.ports.delete(port);
      else this.ports.set(port, next);
    }
    const controller = pod.controllerKey;
    if (controller !== undefined && !pod.terminating) {
      const next = (this.controllers.get(controller) ?? 0) + one;
      if (next <= 0) this.controllers.delete(controller);
      else this.controllers.set(controller, next);
    }
    if (hasPodAffinity(pod)) this.affinityPods += one;
    if (pod.requiredAntiAffinityTerms.length > 0) this.antiAffinityPods += one;
  }
}
