// `rollout undo` as kubectl does it, on the client: the ReplicaSet of the revision asked
// for (default: the one before the latest) gives back its pod template, written into the
// Deployment with a JSON patch that first tests the Deployment's resourceVersion, so a
// rollback decided on a stale read fails instead of overwriting someone else's change.
import { encodeObject, lookupKind, type KindInfo } from "@k8ts/sdk";
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { PodTemplateSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { CliError } from "../errors/cli-error.js";
import { LAST_APPLIED } from "../manifests/apply-plan.js";
import {
  CHANGE_CAUSE_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  type Revision,
} from "./replica-set-history.js";

/**
 * Annotations of the Deployment that stay as they are (the controller's and apply's own),
 * never taken from the ReplicaSet; kubectl's annotationsToSkip.
 */
const KEPT_ANNOTATIONS = new Set([
  LAST_APPLIED,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deprecated.deployment.rollback.to",
]);

/** The revision to roll back to: `toRevision`, or with 0 the second newest. */
export function rollbackRevision(
  deploymentName: string,
  history: readonly Revision[],
  toRevision: number,
): Revision {
  if (toRevision > 0) {
    const found = history.find((r) => r.revision === toRevision);
    if (found === undefined)
      throw new CliError(`unable to find specified revision ${toRevision} in history`);
    return found;
  }
  const previous = history[history.length - 2];
  if (previous === undefined)
    throw new CliError(`no rollout history found for deployment "${deploymentName}"`);
  return previous;
}

let replicaSetKind: KindInfo | undefined;

/** A pod template in manifest form (what a patch carries), without the hash label. */
export function templateManifest(template: PodTemplateSpec | undefined): Record<string, unknown> {
  replicaSetKind ??= lookupKind("ReplicaSet");
  if (replicaSetKind === undefined) throw new Error("the ReplicaSet kind is not registered");
  const labels = { ...(template?.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH_LABEL];
  const rs = ReplicaSet.fromPartial({
    spec: {
      template: {
        ...template,
        ...(template?.metadata === undefined ? {} : { metadata: { ...template.metadata, labels } }),
      },
    },
  });
  const spec = encodeObject(replicaSetKind, rs).spec as Record<string, unknown> | undefined;
  return (spec?.template as Record<string, unknown> | undefined) ?? {};
}

/** Whether two templates are the same but for the hash label (kubectl's equalIgnoreHash). */
export function sameTemplate(
  a: PodTemplateSpec | undefined,
  b: PodTemplateSpec | undefined,
): boolean {
  // The codec writes fields in a fixed order and map keys sorted, so equal templates
  // encode to equal text.
  return JSON.stringify(templateManifest(a)) === JSON.stringify(templateManifest(b));
}

/**
 * The Deployment's annotations after the rollback: its own, the ReplicaSet's on top
 * (except the controller's and apply's, which stay), and the change cause of that
 * revision (none if it had none).
 */
export function rollbackAnnotations(d: Deployment, rs: ReplicaSet): Record<string, string> {
  const out: Record<string, string> = { ...(d.metadata?.annotations ?? {}) };
  delete out[CHANGE_CAUSE_ANNOTATION];
  for (const [k, v] of Object.entries(rs.metadata?.annotations ?? {}))
    if (!KEPT_ANNOTATIONS.has(k)) out[k] = v;
  return out;
}

export type JsonPatchOperation =
  | { readonly op: "test"; readonly path: string; readonly value: unknown }
  | { readonly op: "add" | "replace"; readonly path: string; readonly value: unknown };

/** The JSON patch that rolls `d` back to the template of `rs`, pinned to `d`'s version. */
export function rollbackPatch(d: Deployment, rs: ReplicaSet): JsonPatchOperation[] {
  return [
    { op: "test", path: "/metadata/resourceVersion", value: d.metadata?.resourceVersion ?? "" },
    { op: "replace", path: "/spec/template", value: templateManifest(rs.spec?.template) },
    // "add" sets the member whether or not the object has annotations yet.
    { op: "add", path: "/metadata/annotations", value: rollbackAnnotations(d, rs) },
  ];
}
