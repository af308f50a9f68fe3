// A Deployment's rollout history is its ReplicaSets: those it controls (controller owner
// reference with its uid), each with the revision the deployment controller wrote in
// `deployment.kubernetes.io/revision` and the change cause copied from the Deployment.
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { PodTemplateSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { describePodTemplate } from "../describe/containers.js";
import { DescribeWriter } from "../describe/describe-writer.js";
import { DESCRIBE_LAYOUT, alignCells } from "../printers/tab-writer.js";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";
export const CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause";
/** The label the deployment controller adds to each ReplicaSet's template and selector. */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

/** The revision annotation as a number; undefined when absent or not a number. */
export function revisionOf(meta: ObjectMeta | undefined): number | undefined {
  const text = meta?.annotations[REVISION_ANNOTATION];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** The ReplicaSets among `replicaSets` that `d` controls. */
export function controlledReplicaSets(
  d: Deployment,
  replicaSets: readonly ReplicaSet[],
): ReplicaSet[] {
  const uid = d.metadata?.uid ?? "";
  return replicaSets.filter((rs) =>
    (rs.metadata?.ownerReferences ?? []).some((r) => r.controller === true && r.uid === uid),
  );
}

export interface Revision {
  readonly revision: number;
  readonly changeCause: string;
  readonly replicaSet: ReplicaSet;
}

/** One entry per revision, oldest first; ReplicaSets without a revision are left out. */
export function revisions(replicaSets: readonly ReplicaSet[]): Revision[] {
  const byRevision = new Map<number, Revision>();
  for (const rs of replicaSets) {
    const revision = revisionOf(rs.metadata);
    if (revision === undefined) continue;
    const changeCause = rs.metadata?.annotations[CHANGE_CAUSE_ANNOTATION] ?? "";
    byRevision.set(revision, { revision, changeCause, replicaSet: rs });
  }
  return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
}

/** kubectl's history table: "REVISION  CHANGE-CAUSE", "<none>" for no cause. */
export function historyTable(history: readonly Revision[]): string {
  const lines = [
    ["REVISION", "CHANGE-CAUSE"],
    ...history.map((r) => [String(r.revision), r.changeCause === "" ? "<none>" : r.changeCause]),
  ];
  return alignCells(lines, DESCRIBE_LAYOUT)
    .map((l) => `${l}\n`)
    .join("");
}

/** The pod template of one revision as `describe` prints it, with its change cause. */
export function revisionTemplateText(entry: Revision): string {
  const template: PodTemplateSpec | undefined = entry.replicaSet.spec?.template;
  const meta = template?.metadata;
  const annotations = { ...(meta?.annotations ?? {}) };
  if (entry.changeCause !== "") annotations[CHANGE_CAUSE_ANNOTATION] = entry.changeCause;
  const shown: PodTemplateSpec = {
    ...template,
    metadata: ObjectMeta.fromPartial({ ...meta, annotations }),
  };
  const w = new DescribeWriter();
  describePodTemplate(w, shown);
  return w.text();
}
