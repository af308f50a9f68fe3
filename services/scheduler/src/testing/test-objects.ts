// Builders for unit tests of the framework and plugins: Nodes, Pods and the cache views
// plugins read, without an apiserver.
import { Node, type NodeSpec } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { Pod, type PodSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { Affinity, PodAffinityTerm } from "@k8ts/sdk/gen/k8ts/api/v1/scheduling.js";
import { CycleState } from "../framework/cycle-state.js";
import { NodeInfo } from "../framework/node-info.js";
import { newPodInfo, type PodInfo } from "../framework/pod-info.js";
import { SchedulerCache } from "../framework/scheduler-cache.js";

export interface TestNode {
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: string;
  readonly labels?: Record<string, string>;
  readonly taints?: NodeSpec["taints"];
  readonly unschedulable?: boolean;
  readonly ready?: string;
  /** Extra allocatable resources. */
  readonly extra?: Record<string, string>;
}

export function makeNode(name: string, t: TestNode = {}): Node {
  const allocatable: Record<string, { string: string }> = {
    cpu: { string: t.cpu ?? "4" },
    memory: { string: t.memory ?? "8Gi" },
    pods: { string: t.pods ?? "110" },
  };
  for (const [k, v] of Object.entries(t.extra ?? {})) allocatable[k] = { string: v };
  return Node.fromPartial({
    metadata: {
      name,
      uid: `node-${name}`,
      labels: { "kubernetes.io/hostname": name, ...t.labels },
    },
    spec: { taints: t.taints ?? [], unschedulable: t.unschedulable ?? false },
    status: {
      allocatable,
      capacity: allocatable,
      conditions: [{ type: "Ready", status: t.ready ?? "True" }],
    },
  });
}

export interface TestPod {
  readonly namespace?: string;
  readonly uid?: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly labels?: Record<string, string>;
  readonly nodeName?: string;
  readonly priority?: number;
  readonly ownerUid?: string;
  readonly hostPorts?: number[];
  readonly affinity?: Affinity;
  readonly spec?: Partial<PodSpec>;
  readonly phase?: string;
}

let uids = 0;

export function makePod(name: string, t: TestPod = {}): Pod {
  const requests: Record<string, { string: string }> = {};
  if (t.cpu !== undefined) requests.cpu = { string: t.cpu };
  if (t.memory !== undefined) requests.memory = { string: t.memory };
  const base = Pod.fromPartial({
    metadata: {
      name,
      namespace: t.namespace ?? "default",
      uid: t.uid ?? `uid-${name}-${uids++}`,
      labels: t.labels ?? {},
      ownerReferences:
        t.ownerUid === undefined
          ? []
          : [
              {
                apiVersion: "apps/v1",
                kind: "ReplicaSet",
                name: "rs",
                uid: t.ownerUid,
                controller: true,
              },
            ],
    },
    spec: {
      schedulerName: "default-scheduler",
      nodeName: t.nodeName ?? "",
      priority: t.priority,
      containers: [
        {
          name: "main",
          image: "busybox",
          resources: { requests },
          ports: (t.hostPorts ?? []).map((p) => ({
            containerPort: p,
            hostPort: p,
            protocol: "TCP",
          })),
        },
      ],
    },
    status: { phase: t.phase ?? "Pending" },
  });
  const spec = base.spec;
  if (spec === undefined) return base;
  return { ...base, spec: { ...spec, affinity: t.affinity ?? spec.affinity, ...t.spec } };
}

export function podInfo(name: string, t: TestPod = {}): PodInfo {
  return newPodInfo(makePod(name, t));
}

/** A NodeInfo of `node` holding `pods` (their nodeName is set to the node's). */
export function nodeInfo(node: Node, pods: readonly Pod[] = []): NodeInfo {
  const name = node.metadata?.name ?? "";
  const info = new NodeInfo(name);
  info.setNode(node);
  for (const p of pods)
    info.addPod(newPodInfo({ ...p, spec: p.spec && { ...p.spec, nodeName: name } }));
  return info;
}

/** A cache holding `nodes` and the bound `pods`. */
export function cacheOf(nodes: readonly Node[], pods: readonly Pod[] = []): SchedulerCache {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  return cache;
}

export function term(labels: Record<string, string>, topologyKey: string): PodAffinityTerm {
  return {
    labelSelector: { matchLabels: labels, matchExpressions: [] },
    namespaces: [],
    topologyKey,
  };
}

export function newState(): CycleState {
  return new CycleState();
}
