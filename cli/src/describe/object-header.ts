// What every `describe` starts with: name, namespace, labels, annotations, creation time.
import type { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { LAST_APPLIED } from "../manifests/apply-plan.js";
import { formatTime } from "../printers/time-format.js";
import type { DescribeWriter } from "./describe-writer.js";

/** Longest annotation value shown; kubectl shortens long ones too. */
const MAX_ANNOTATION = 140;

export function labelLines(labels: Readonly<Record<string, string>> | undefined): string[] {
  return Object.keys(labels ?? {})
    .sort()
    .map((k) => `${k}=${labels?.[k] ?? ""}`);
}

export function annotationLines(
  annotations: Readonly<Record<string, string>> | undefined,
): string[] {
  return Object.keys(annotations ?? {})
    .filter((k) => k !== LAST_APPLIED)
    .sort()
    .map((k) => {
      const value = (annotations?.[k] ?? "").replace(/\n/g, "\\n");
      return `${k}: ${value.length > MAX_ANNOTATION ? `${value.slice(0, MAX_ANNOTATION)}...` : value}`;
    });
}

export function describeMetadata(
  w: DescribeWriter,
  meta: ObjectMeta | undefined,
  options: { namespaced: boolean },
): void {
  w.line(0, "Name:", meta?.name ?? "");
  if (options.namespaced) w.line(0, "Namespace:", meta?.namespace ?? "");
  w.line(0, "CreationTimestamp:", formatTime(meta?.creationTimestamp));
  w.list(0, "Labels:", labelLines(meta?.labels));
  w.list(0, "Annotations:", annotationLines(meta?.annotations));
  if (meta?.deletionTimestamp !== undefined) {
    const grace = meta.deletionGracePeriodSeconds;
    w.line(
      0,
      "DeletionTimestamp:",
      `${formatTime(meta.deletionTimestamp)}${grace === undefined ? "" : ` (grace period ${grace}s)`}`,
    );
  }
  const controller = meta?.ownerReferences.find((r) => r.controller === true);
  if (controller !== undefined)
    w.line(0, "Controlled By:", `${controller.kind}/${controller.name}`);
}

export function conditionsTable(
  w: DescribeWriter,
  conditions: readonly { type: string; status: string; reason: string }[],
  withReason: boolean,
): void {
  if (conditions.length === 0) return;
  w.line(0, "Conditions:");
  w.table(
    1,
    withReason ? ["Type", "Status", "Reason"] : ["Type", "Status"],
    conditions.map((c) => (withReason ? [c.type, c.status, c.reason] : [c.type, c.status])),
  );
}
