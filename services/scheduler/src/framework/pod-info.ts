// Everything the scheduler derives from a Pod, computed once per version of the object
// (requests, host ports, parsed affinity terms, owner) so that filtering thousands of
// nodes does not re-parse quantities and selectors for every node.
import { labelSelectorMatcher, type LabelMatcher } from "@k8ts/sdk";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type {
  PodAffinityTerm,
  WeightedPodAffinityTerm,
} from "@k8ts/sdk/gen/k8ts/api/v1/scheduling.js";
import { CPU, MEMORY, nonZeroRequests, podRequests, type ResourceList } from "./resources.js";

/** A pod (anti-)affinity term, parsed: which pods, in which namespaces, which topology. */
export interface AffinityTerm {
  readonly selector: LabelMatcher;
  readonly namespaces: ReadonlySet<string>;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

export interface PodInfo {
  readonly pod: Pod;
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** "namespace/name". */
  readonly key: string;
  readonly nodeName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly priority: number;
  /** Effective requests (init container max semantics), zeros omitted. */
  readonly requests: ResourceList;
  /** CPU and memory for scores, with defaults for containers that request nothing. */
  readonly nonZeroCpu: bigint;
  readonly nonZeroMemory: bigint;
  /** CPU (milli-cores) and memory (bytes) as numbers for scores: requests and non-zero. */
  readonly scoring: {
    readonly cpu: number;
    readonly memory: number;
    readonly nonZeroCpu: number;
    readonly nonZeroMemory: number;
  };
  /** "PROTOCOL/port" of every container hostPort. */
  readonly hostPorts: readonly string[];
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  /** uid of the managing controller (ownerReferences with controller: true), if any. */
  readonly controllerUid: string | undefined;
  /** "namespace/controllerUid": the pods of one controller, if it has one. */
  readonly controllerKey: string | undefined;
  readonly terminating: boolean;
}

function affinityTerm(term: PodAffinityTerm, podNamespace: string): AffinityTerm {
  return {
    selector: labelSelectorMatcher(term.labelSelector),
    namespaces: new Set(term.namespaces.length > 0 ? term.namespaces : [podNamespace]),
    topologyKey: term.topologyKey,
  };
}

function weightedTerms(
  terms: readonly WeightedPodAffinityTerm[] | undefined,
  podNamespace: string,
): WeightedAffinityTerm[] {
  const out: WeightedAffinityTerm[] = [];
  for (const t of terms ?? [])
    if (t.podAffinityTerm !== undefined && t.weight !== 0)
      out.push({ ...affinityTerm(t.podAffinityTerm, podNamespace), weight: t.weight });
  return out;
}

export function newPodInfo(pod: Pod): PodInfo {
  const meta = pod.metadata;
  const namespace = meta?.namespace ?? "";
  const name = meta?.name ?? "";
  const spec = pod.spec;
  const nonZero = nonZeroRequests(spec);
  const hostPorts: string[] = [];
  for (const c of spec?.containers ?? [])
    for (const p of c.ports)
      if (p.hostPort !== undefined && p.hostPort > 0)
        hostPorts.push(`${p.protocol === "" ? "TCP" : p.protocol}/${p.hostPort}`);
  const affinity = spec?.affinity;
  const requests = podRequests(spec);
  const controllerUid = meta?.ownerReferences.find((o) => o.controller === true)?.uid;
  const bytes = (milli: bigint): number => Number((milli + 999n) / 1000n);
  const required = (terms: readonly PodAffinityTerm[] | undefined): AffinityTerm[] =>
    (terms ?? []).map((t) => affinityTerm(t, namespace));
  return {
    pod,
    uid: meta?.uid ?? "",
    namespace,
    name,
    key: `${namespace}/${name}`,
    nodeName: spec?.nodeName ?? "",
    labels: meta?.labels ?? {},
    priority: spec?.priority ?? 0,
    requests,
    nonZeroCpu: nonZero.cpu,
    nonZeroMemory: nonZero.memory,
    scoring: {
      cpu: Number(requests.get(CPU) ?? 0n),
      memory: bytes(requests.get(MEMORY) ?? 0n),
      nonZeroCpu: Number(nonZero.cpu),
      nonZeroMemory: bytes(nonZero.memory),
    },
    hostPorts,
    requiredAffinityTerms: required(
      affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    ),
    requiredAntiAffinityTerms: required(
      affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    ),
    preferredAffinityTerms: weightedTerms(
      affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      namespace,
    ),
    preferredAntiAffinityTerms: weightedTerms(
      affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      namespace,
    ),
    controllerUid,
    controllerKey: controllerUid === undefined ? undefined : `${namespace}/${controllerUid}`,
    terminating: meta?.deletionTimestamp !== undefined,
  };
}

/** Whether `pod` is one of the pods `term` is about (namespace and labels). */
export function termMatches(term: AffinityTerm, pod: PodInfo): boolean {
  return term.namespaces.has(pod.namespace) && term.selector.matches(pod.labels);
}

/** Whether the pod has any pod affinity or anti-affinity (required or preferred). */
export function hasPodAffinity(pod: PodInfo): boolean {
  return (
    pod.requiredAffinityTerms.length > 0 ||
    pod.requiredAntiAffinityTerms.length > 0 ||
    pod.preferredAffinityTerms.length > 0 ||
    pod.preferredAntiAffinityTerms.length > 0
  );
}

/** A copy of the pod bound to `nodeName` (what the cache holds while the bind is in flight). */
export function boundTo(info: PodInfo, nodeName: string): PodInfo {
  const spec = info.pod.spec;
  const pod: Pod = {
    ...info.pod,
    spec: spec === undefined ? undefined : { ...spec, nodeName },
  };
  return { ...info, pod, nodeName };
}
