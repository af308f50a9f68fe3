// `describe` of Pods, Deployments and ReplicaSets.
import type { ApiClient } from "@k8ts/sdk";
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import type { LabelSelector } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { listAll } from "../kinds/list-all.js";
import { formatTime } from "../printers/time-format.js";
import { formatIntOrString, formatLabelSelector } from "../printers/value-format.js";
import { describeContainers, describePodTemplate, describeScheduling } from "./containers.js";
import type { DescribeWriter } from "./describe-writer.js";
import { conditionsTable, describeMetadata } from "./object-header.js";

export interface DescribeContext {
  readonly api: ApiClient;
  readonly now: Date;
}

export function describePod(w: DescribeWriter, pod: Pod): void {
  const spec = pod.spec;
  const status = pod.status;
  describeMetadata(w, pod.metadata, { namespaced: true });
  if (spec?.priority !== undefined) w.line(0, "Priority:", String(spec.priority));
  const node = spec?.nodeName ?? "";
  w.line(0, "Node:", node === "" ? "<none>" : status?.hostIP ? `${node}/${status.hostIP}` : node);
  if (status?.startTime !== undefined) w.line(0, "Start Time:", formatTime(status.startTime));
  w.line(
    0,
    "Status:",
    pod.metadata?.deletionTimestamp === undefined ? status?.phase || "Pending" : "Terminating",
  );
  if (status?.reason) w.line(0, "Reason:", status.reason);
  if (status?.message) w.line(0, "Message:", status.message);
  w.line(0, "IP:", status?.podIP ?? "");
  const ips = status?.podIPs ?? [];
  if (ips.length === 0) w.line(0, "IPs:", "<none>");
  else {
    w.line(0, "IPs:");
    for (const ip of ips) w.line(1, "IP:", ip.ip);
  }
  describeContainers(w, 0, spec, {
    init: status?.initContainerStatuses ?? [],
    main: status?.containerStatuses ?? [],
  });
  conditionsTable(
    w,
    (status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason })),
    false,
  );
  if (status?.qosClass) w.line(0, "QoS Class:", status.qosClass);
  describeScheduling(w, 0, spec);
}

/** The selector as a label-selector string for List, "" when it selects everything. */
function selectorText(selector: LabelSelector | undefined): string {
  const text = formatLabelSelector(selector);
  return text === "<none>" ? "" : text;
}

function revision(rs: ReplicaSet): number {
  const text = rs.metadata?.annotations["deployment.kubernetes.io/revision"];
  const n = text === undefined ? NaN : Number(text);
  return Number.isFinite(n) ? n : 0;
}

function rsSummary(rs: ReplicaSet): string {
  return `${rs.metadata?.name ?? ""} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`;
}

export async function describeDeployment(
  w: DescribeWriter,
  d: Deployment,
  ctx: DescribeContext,
): Promise<void> {
  const spec = d.spec;
  const st = d.status;
  describeMetadata(w, d.metadata, { namespaced: true });
  w.line(0, "Selector:", formatLabelSelector(spec?.selector));
  w.line(
    0,
    "Replicas:",
    `${spec?.replicas ?? 1} desired | ${st?.updatedReplicas ?? 0} updated | ${st?.replicas ?? 0} total | ` +
      `${st?.availableReplicas ?? 0} available | ${st?.unavailableReplicas ?? 0} unavailable`,
  );
  const strategy = spec?.strategy?.type || "RollingUpdate";
  w.line(0, "StrategyType:", strategy);
  w.line(0, "MinReadySeconds:", String(spec?.minReadySeconds ?? 0));
  const rolling = spec?.strategy?.rollingUpdate;
  if (strategy === "RollingUpdate" && rolling !== undefined)
    w.line(
      0,
      "RollingUpdateStrategy:",
      `${formatIntOrString(rolling.maxUnavailable) || "25%"} max unavailable, ` +
        `${formatIntOrString(rolling.maxSurge) || "25%"} max surge`,
    );
  if (spec?.paused === true) w.line(0, "Paused:", "true");
  describePodTemplate(w, spec?.template);
  conditionsTable(
    w,
    (st?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason })),
    true,
  );
  const uid = d.metadata?.uid ?? "";
  const { items } = await listAll(ctx.api.kind("ReplicaSet"), {
    namespace: d.metadata?.namespace ?? "",
    labelSelector: selectorText(spec?.selector),
  });
  const owned = items
    .filter((rs) =>
      rs.metadata?.ownerReferences.some((r) => r.controller === true && r.uid === uid),
    )
    .sort((a, b) => revision(b) - revision(a));
  const [newest, ...old] = owned;
  w.line(0, "OldReplicaSets:", old.length === 0 ? "<none>" : old.map(rsSummary).join(", "));
  w.line(0, "NewReplicaSet:", newest === undefined ? "<none>" : rsSummary(newest));
}

export async function describeReplicaSet(
  w: DescribeWriter,
  rs: ReplicaSet,
  ctx: DescribeContext,
): Promise<void> {
  const spec = rs.spec;
  describeMetadata(w, rs.metadata, { namespaced: true });
  w.line(0, "Selector:", formatLabelSelector(spec?.selector));
  w.line(0, "Replicas:", `${rs.status?.replicas ?? 0} current / ${spec?.replicas ?? 1} desired`);
  const uid = rs.metadata?.uid ?? "";
  const { items } = await listAll(ctx.api.kind("Pod"), {
    namespace: rs.metadata?.namespace ?? "",
    labelSelector: selectorText(spec?.selector),
  });
  const pods = items.filter((p) => p.metadata?.ownerReferences.some((r) => r.uid === uid));
  const count = (phase: string): number => pods.filter((p) => p.status?.phase === phase).length;
  w.line(
    0,
    "Pods Status:",
    `${count("Running")} Running / ${count("Pending")} Waiting / ${count("Succeeded")} Succeeded / ${count("Failed")} Failed`,
  );
  describePodTemplate(w, spec?.template);
  conditionsTable(
    w,
    (rs.status?.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
    })),
    true,
  );
}
