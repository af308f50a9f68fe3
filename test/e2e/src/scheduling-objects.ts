// Nodes and pods for scheduler tests, made by hand (no kubelets): a Node is created with
// its status (allocatable, Ready condition), which the apiserver keeps on create.
import { ApiStatusError, type ApiClient, waitFor } from "@k8ts/sdk";
import { Node, type NodeSpec } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { Pod, type PodSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { Event } from "@k8ts/sdk/gen/k8ts/api/v1/event.js";

/** The generated messages' DeepPartial (not exported by ts-proto), for builder arguments. */
export type DeepPartial<T> = T extends Date | string | number | boolean | undefined
  ? T
  : T extends Array<infer U>
    ? Array<DeepPartial<U>>
    : T extends { $case: string; value: unknown }
      ? { $case: T["$case"]; value?: DeepPartial<T["value"]> }
      : T extends object
        ? { [K in keyof T]?: DeepPartial<T[K]> }
        : Partial<T>;

export interface NodeShape {
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: string;
  readonly labels?: Record<string, string>;
  readonly taints?: DeepPartial<NodeSpec["taints"]>;
  readonly unschedulable?: boolean;
  /** Ready condition status (default "True"). */
  readonly ready?: string;
}

/** A Node with allocatable = capacity, a Ready condition and kubernetes.io/hostname. */
export function schedNode(name: string, shape: NodeShape = {}): Node {
  const resources = {
    cpu: { string: shape.cpu ?? "4" },
    memory: { string: shape.memory ?? "8Gi" },
    pods: { string: shape.pods ?? "110" },
  };
  return Node.fromPartial({
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...shape.labels } },
    spec: { taints: shape.taints ?? [], unschedulable: shape.unschedulable ?? false },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: "Ready", status: shape.ready ?? "True", reason: "KubeletReady" }],
    },
  });
}

export interface PodShape {
  readonly cpu?: string;
  readonly memory?: string;
  readonly labels?: Record<string, string>;
  readonly spec?: DeepPartial<PodSpec>;
  readonly ownerUid?: string;
}

/** An unbound pod with one container requesting `cpu`/`memory` (when given). */
export function schedPod(namespace: string, name: string, shape: PodShape = {}): Pod {
  const requests: Record<string, { string: string }> = {};
  if (shape.cpu !== undefined) requests.cpu = { string: shape.cpu };
  if (shape.memory !== undefined) requests.memory = { string: shape.memory };
  return Pod.fromPartial({
    metadata: {
      namespace,
      name,
      labels: shape.labels ?? {},
      ownerReferences:
        shape.ownerUid === undefined
          ? []
          : [
              {
                apiVersion: "apps/v1",
                kind: "ReplicaSet",
                name: `rs-${shape.ownerUid}`,
                uid: shape.ownerUid,
                controller: true,
              },
            ],
    },
    spec: {
      containers: [{ name: "main", image: "busybox", resources: { requests } }],
      ...shape.spec,
    },
  });
}

/** Creates nodes; returns their names. */
export async function createNodes(client: ApiClient, nodes: readonly Node[]): Promise<string[]> {
  for (const n of nodes) await client.kind("Node").create(n);
  return nodes.map((n) => n.metadata?.name ?? "");
}

/** Deletes every Node (between scenarios: each scenario brings its own nodes). */
export async function deleteAllNodes(client: ApiClient): Promise<void> {
  const list = await client.kind("Node").list();
  for (const n of list.items) await client.kind("Node").delete(n.metadata?.name ?? "");
}

/** Deletes every Pod at once (grace 0), so no scenario's leftovers land on the next one's nodes. */
export async function deleteAllPods(client: ApiClient): Promise<void> {
  const list = await client.kind("Pod").list();
  for (const p of list.items)
    await client
      .kind("Pod")
      .delete(p.metadata?.name ?? "", {
        namespace: p.metadata?.namespace ?? "",
        options: { gracePeriodSeconds: 0 },
      })
      .catch((e: unknown) => {
        if (!(e instanceof ApiStatusError && e.isNotFound)) throw e;
      });
}

/** Waits until the pod is bound; returns its node. */
export async function boundNode(
  client: ApiClient,
  namespace: string,
  name: string,
  timeoutMs = 15_000,
): Promise<string> {
  return waitFor(
    `pod ${namespace}/${name} to be bound`,
    async () => {
      const p = await client.kind("Pod").get(name, { namespace });
      const node = p.spec?.nodeName ?? "";
      if (node === "")
        throw new Error(`still unbound; conditions ${JSON.stringify(p.status?.conditions)}`);
      return node;
    },
    timeoutMs,
    50,
  );
}

/** Waits until the pod says PodScheduled=False; returns the condition's message. */
export async function unschedulableMessage(
  client: ApiClient,
  namespace: string,
  name: string,
  expected?: string,
  timeoutMs = 15_000,
): Promise<string> {
  return waitFor(
    `pod ${namespace}/${name} to be reported unschedulable`,
    async () => {
      const p = await client.kind("Pod").get(name, { namespace });
      const c = p.status?.conditions.find((x) => x.type === "PodScheduled");
      if (p.spec?.nodeName !== "") throw new Error(`bound to ${p.spec?.nodeName}`);
      if (c?.status !== "False" || c.reason !== "Unschedulable")
        throw new Error(`condition ${JSON.stringify(c)}`);
      if (expected !== undefined && c.message !== expected)
        throw new Error(`message ${JSON.stringify(c.message)}`);
      return c.message;
    },
    timeoutMs,
    50,
  );
}

/** Events about one pod. */
export async function podEvents(
  client: ApiClient,
  namespace: string,
  name: string,
): Promise<Event[]> {
  const list = await client
    .kind("Event")
    .list({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}
