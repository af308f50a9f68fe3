// `describe` of Namespaces, Nodes, Leases and Events.
import type { Event } from "@k8ts/sdk/gen/k8ts/api/v1/event.js";
import type { Lease } from "@k8ts/sdk/gen/k8ts/api/v1/lease.js";
import type { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import type { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { listAll } from "../kinds/list-all.js";
import { age } from "../printers/age.js";
import { nodeRoles } from "../printers/kind-tables.js";
import { formatTime } from "../printers/time-format.js";
import type { DescribeWriter } from "./describe-writer.js";
import { describeMetadata } from "./object-header.js";
import type { DescribeContext } from "./workload-describers.js";

export function describeNamespace(w: DescribeWriter, ns: Namespace): void {
  describeMetadata(w, ns.metadata, { namespaced: false });
  w.line(0, "Status:", ns.status?.phase ?? "");
  const conditions = ns.status?.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, "Conditions:");
    w.table(
      1,
      ["Type", "Status", "LastTransitionTime", "Reason", "Message"],
      conditions.map((c) => [
        c.type,
        c.status,
        formatTime(c.lastTransitionTime),
        c.reason,
        c.message,
      ]),
    );
  }
}

export async function describeNode(
  w: DescribeWriter,
  node: Node,
  ctx: DescribeContext,
): Promise<void> {
  const spec = node.spec;
  const status = node.status;
  describeMetadata(w, node.metadata, { namespaced: false });
  w.line(0, "Roles:", nodeRoles(node));
  w.list(
    0,
    "Taints:",
    (spec?.taints ?? []).map((t) => `${t.key}${t.value === "" ? "" : `=${t.value}`}:${t.effect}`),
  );
  w.line(0, "Unschedulable:", String(spec?.unschedulable ?? false));
  const conditions = status?.conditions ?? [];
  if (conditions.length > 0) {
    w.line(0, "Conditions:");
    w.table(
      1,
      ["Type", "Status", "LastHeartbeatTime", "LastTransitionTime", "Reason", "Message"],
      conditions.map((c) => [
        c.type,
        c.status,
        formatTime(c.lastHeartbeatTime),
        formatTime(c.lastTransitionTime),
        c.reason,
        c.message,
      ]),
    );
  }
  const addresses = status?.addresses ?? [];
  if (addresses.length > 0) {
    w.line(0, "Addresses:");
    for (const a of addresses) w.line(1, `${a.type}:`, a.address);
  }
  for (const [label, values] of [
    ["Capacity:", status?.capacity ?? {}],
    ["Allocatable:", status?.allocatable ?? {}],
  ] as const) {
    const keys = Object.keys(values).sort();
    if (keys.length === 0) continue;
    w.line(0, label);
    for (const k of keys) w.line(1, `${k}:`, values[k]?.string ?? "");
  }
  const info = status?.nodeInfo;
  if (info !== undefined) {
    w.line(0, "System Info:");
    w.line(1, "Machine ID:", info.machineID);
    w.line(1, "System UUID:", info.systemUUID);
    w.line(1, "Boot ID:", info.bootID);
    w.line(1, "Kernel Version:", info.kernelVersion);
    w.line(1, "OS Image:", info.osImage);
    w.line(1, "Operating System:", info.operatingSystem);
    w.line(1, "Architecture:", info.architecture);
    w.line(1, "Container Runtime Version:", info.containerRuntimeVersion);
    w.line(1, "Kubelet Version:", info.kubeletVersion);
  }
  if (spec?.podCIDR) w.line(0, "PodCIDR:", spec.podCIDR);
  if ((spec?.podCIDRs.length ?? 0) > 0) w.line(0, "PodCIDRs:", spec?.podCIDRs.join(",") ?? "");
  const { items } = await listAll(ctx.api.kind("Pod"), {
    fieldSelector: `spec.nodeName=${node.metadata?.name ?? ""}`,
  });
  const running = items.filter(
    (p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed",
  );
  w.line(0, `Non-terminated Pods:`, `(${running.length} in total)`);
  if (running.length > 0)
    w.table(
      1,
      ["Namespace", "Name", "Age"],
      running.map((p) => [
        p.metadata?.namespace ?? "",
        p.metadata?.name ?? "",
        age(p.metadata?.creationTimestamp, ctx.now),
      ]),
    );
}

export function describeLease(w: DescribeWriter, lease: Lease): void {
  const spec = lease.spec;
  describeMetadata(w, lease.metadata, { namespaced: true });
  w.line(0, "Holder Identity:", spec?.holderIdentity ?? "<none>");
  w.line(
    0,
    "Lease Duration Seconds:",
    spec?.leaseDurationSeconds === undefined ? "<unset>" : String(spec.leaseDurationSeconds),
  );
  w.line(0, "Acquire Time:", formatTime(spec?.acquireTime));
  w.line(0, "Renew Time:", formatTime(spec?.renewTime));
  w.line(0, "Lease Transitions:", String(spec?.leaseTransitions ?? 0));
}

export function describeEvent(w: DescribeWriter, ev: Event): void {
  describeMetadata(w, ev.metadata, { namespaced: true });
  const ref = ev.involvedObject;
  w.line(0, "Involved Object:");
  w.line(1, "Kind:", ref?.kind ?? "");
  w.line(1, "Name:", ref?.name ?? "");
  if (ref?.namespace) w.line(1, "Namespace:", ref.namespace);
  if (ref?.fieldPath) w.line(1, "Field Path:", ref.fieldPath);
  w.line(0, "Type:", ev.type);
  w.line(0, "Reason:", ev.reason);
  w.line(0, "Message:", ev.message);
  w.line(0, "Source:");
  w.line(1, "Component:", ev.source?.component || ev.reportingComponent);
  if (ev.source?.host) w.line(1, "Host:", ev.source.host);
  w.line(0, "First Timestamp:", formatTime(ev.firstTimestamp));
  w.line(0, "Last Timestamp:", formatTime(ev.lastTimestamp));
  w.line(0, "Count:", String(ev.count));
}
