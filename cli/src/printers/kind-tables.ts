// The columns `k8ts get` shows per kind, as kubectl shows them, with the extra columns of
// `-o wide`. A kind without a table of its own gets NAME and AGE.
import type { KindInfo, KindName, KindObjects } from "@k8ts/sdk";
import type { PodTemplateSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ApiObject } from "../kinds/resource-names.js";
import { age } from "./age.js";
import { podSummary } from "./pod-status.js";
import { formatLabelSelector, formatLabels, orNone } from "./value-format.js";

export interface RowContext {
  /** The NAME cell: the object's name, or `kind/name` when several kinds are printed. */
  readonly name: string;
  readonly now: Date;
}

export interface KindTable<T = ApiObject> {
  readonly headers: readonly string[];
  readonly wideHeaders: readonly string[];
  cells(object: T, context: RowContext): string[];
  wideCells(object: T, context: RowContext): string[];
}

function created(o: ApiObject, now: Date): string {
  return age(o.metadata?.creationTimestamp, now);
}

const pods: KindTable<KindObjects["Pod"]> = {
  headers: ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
  wideHeaders: ["IP", "NODE"],
  cells(pod, { name, now }) {
    const s = podSummary(pod, now);
    return [name, s.ready, s.status, s.restarts, created(pod, now)];
  },
  wideCells: (pod) => [orNone(pod.status?.podIP), orNone(pod.spec?.nodeName)],
};

function containerColumns(template: PodTemplateSpec | undefined): string[] {
  const containers = template?.spec?.containers ?? [];
  return [containers.map((c) => c.name).join(","), containers.map((c) => c.image).join(",")];
}

const deployments: KindTable<KindObjects["Deployment"]> = {
  headers: ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
  wideHeaders: ["CONTAINERS", "IMAGES", "SELECTOR"],
  cells(d, { name, now }) {
    const desired = d.spec?.replicas ?? 1;
    const st = d.status;
    return [
      name,
      `${st?.readyReplicas ?? 0}/${desired}`,
      String(st?.updatedReplicas ?? 0),
      String(st?.availableReplicas ?? 0),
      created(d, now),
    ];
  },
  wideCells: (d) => [...containerColumns(d.spec?.template), formatLabelSelector(d.spec?.selector)],
};

const replicaSets: KindTable<KindObjects["ReplicaSet"]> = {
  headers: ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
  wideHeaders: ["CONTAINERS", "IMAGES", "SELECTOR"],
  cells(rs, { name, now }) {
    return [
      name,
      String(rs.spec?.replicas ?? 1),
      String(rs.status?.replicas ?? 0),
      String(rs.status?.readyReplicas ?? 0),
      created(rs, now),
    ];
  },
  wideCells: (rs) => [
    ...containerColumns(rs.spec?.template),
    formatLabelSelector(rs.spec?.selector),
  ],
};

/** "80/TCP,443:30443/TCP". */
export function servicePorts(svc: KindObjects["Service"]): string {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return "<none>";
  return ports
    .map((p) => {
      const protocol = p.protocol === "" ? "TCP" : p.protocol;
      return p.nodePort !== undefined && p.nodePort > 0
        ? `${p.port}:${p.nodePort}/${protocol}`
        : `${p.port}/${protocol}`;
    })
    .join(",");
}

const services: KindTable<KindObjects["Service"]> = {
  headers: ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
  wideHeaders: ["SELECTOR"],
  cells(svc, { name, now }) {
    return [
      name,
      svc.spec?.type || "ClusterIP",
      orNone(svc.spec?.clusterIP),
      orNone(svc.spec?.externalIPs.join(",")),
      servicePorts(svc),
      created(svc, now),
    ];
  },
  wideCells: (svc) => [formatLabels(svc.spec?.selector)],
};

const namespaces: KindTable<KindObjects["Namespace"]> = {
  headers: ["NAME", "STATUS", "AGE"],
  wideHeaders: [],
  cells: (ns, { name, now }) => [name, ns.status?.phase ?? "", created(ns, now)],
  wideCells: () => [],
};

export function nodeStatus(node: KindObjects["Node"]): string {
  const ready = node.status?.conditions.find((c) => c.type === "Ready");
  const parts = [ready === undefined ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady"];
  if (node.spec?.unschedulable === true) parts.push("SchedulingDisabled");
  return parts.join(",");
}

export function nodeRoles(node: KindObjects["Node"]): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata?.labels ?? {})) {
    if (key.startsWith("node-role.kubernetes.io/")) {
      const role = key.slice("node-role.kubernetes.io/".length);
      if (role !== "") roles.add(role);
    } else if (key === "kubernetes.io/role" && value !== "") roles.add(value);
  }
  return roles.size === 0 ? "<none>" : [...roles].sort().join(",");
}

function nodeAddress(node: KindObjects["Node"], type: string): string {
  return orNone(node.status?.addresses.find((a) => a.type === type)?.address);
}

const nodes: KindTable<KindObjects["Node"]> = {
  headers: ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
  wideHeaders: ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
  cells: (node, { name, now }) => [
    name,
    nodeStatus(node),
    nodeRoles(node),
    created(node, now),
    node.status?.nodeInfo?.kubeletVersion ?? "",
  ],
  wideCells: (node) => {
    const info = node.status?.nodeInfo;
    return [
      nodeAddress(node, "InternalIP"),
      nodeAddress(node, "ExternalIP"),
      orNone(info?.osImage),
      orNone(info?.kernelVersion),
      orNone(info?.containerRuntimeVersion),
    ];
  },
};

/** "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...", as kubectl shortens them. */
export function formatEndpoints(ep: KindObjects["Endpoints"]): string {
  const max = 3;
  const list: string[] = [];
  let count = 0;
  for (const subset of ep.subsets) {
    const targets =
      subset.ports.length === 0
        ? subset.addresses.map((a) => a.ip)
        : subset.ports.flatMap((p) => subset.addresses.map((a) => `${a.ip}:${p.port}`));
    count += targets.length;
    for (const t of targets) if (list.length < max) list.push(t);
  }
  if (list.length === 0) return "<none>";
  return count > max ? `${list.join(",")} + ${count - max} more...` : list.join(",");
}

const endpoints: KindTable<KindObjects["Endpoints"]> = {
  headers: ["NAME", "ENDPOINTS", "AGE"],
  wideHeaders: [],
  cells: (ep, { name, now }) => [name, formatEndpoints(ep), created(ep, now)],
  wideCells: () => [],
};

const ingresses: KindTable<KindObjects["Ingress"]> = {
  headers: ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
  wideHeaders: [],
  cells(ing, { name, now }) {
    const rules = ing.spec?.rules ?? [];
    const hosts = rules.map((r) => (r.host === "" ? "*" : r.host));
    const shown =
      hosts.length === 0
        ? "*"
        : hosts.length > 4
          ? `${hosts.slice(0, 4).join(",")} + ${hosts.length - 4} more...`
          : hosts.join(",");
    const address = (ing.status?.loadBalancer?.ingress ?? [])
      .map((i) => (i.ip !== "" ? i.ip : i.hostname))
      .filter((a) => a !== "")
      .join(",");
    return [
      name,
      orNone(ing.spec?.ingressClassName),
      shown,
      address,
      (ing.spec?.tls.length ?? 0) > 0 ? "80, 443" : "80",
      created(ing, now),
    ];
  },
  wideCells: () => [],
};

/** When an Event last happened: lastTimestamp, else eventTime, firstTimestamp, creation. */
export function eventTime(ev: KindObjects["Event"]): Date | undefined {
  return ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ev.metadata?.creationTimestamp;
}

const events: KindTable<KindObjects["Event"]> = {
  headers: ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
  wideHeaders: [],
  cells(ev, { now }) {
    const ref = ev.involvedObject;
    const kind = (ref?.kind ?? "").toLowerCase();
    const target = ref !== undefined && ref.name !== "" ? `${kind}/${ref.name}` : kind;
    return [age(eventTime(ev), now), ev.type, ev.reason, target, ev.message.trim()];
  },
  wideCells: () => [],
};

const leases: KindTable<KindObjects["Lease"]> = {
  headers: ["NAME", "HOLDER", "AGE"],
  wideHeaders: [],
  cells: (lease, { name, now }) => [name, lease.spec?.holderIdentity ?? "", created(lease, now)],
  wideCells: () => [],
};

const generic: KindTable = {
  headers: ["NAME", "AGE"],
  wideHeaders: [],
  cells: (o, { name, now }) => [name, created(o, now)],
  wideCells: () => [],
};

const TABLES: { readonly [K in KindName]?: KindTable<KindObjects[K]> } = {
  Pod: pods,
  Deployment: deployments,
  ReplicaSet: replicaSets,
  Service: services,
  Namespace: namespaces,
  Node: nodes,
  Endpoints: endpoints,
  Ingress: ingresses,
  Event: events,
  Lease: leases,
};

/** The table of a kind; objects passed to it must be of that kind. */
export function tableFor(kind: KindInfo): KindTable {
  const table = TABLES[kind.kind as KindName];
  return table ?? generic;
}
