// The conditions a terminating Namespace reports about its deletion, with Kubernetes'
// types, reasons and messages (pkg/controller/namespace/deletion).
import type { NamespaceCondition } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import type { ContentReport } from "./content-deletion.js";

interface Verdict {
  readonly type: string;
  readonly ok: boolean;
  readonly okReason: string;
  readonly okMessage: string;
  readonly badReason: string;
  readonly badMessage: string;
}

function counted(
  map: ReadonlyMap<string, number>,
  format: (name: string, n: number) => string,
): string {
  return [...map.keys()]
    .sort()
    .map((k) => format(k, map.get(k) ?? 0))
    .join(", ");
}

/** The deletion conditions for `report`; a condition whose status did not change keeps its lastTransitionTime. */
export function deletionConditions(
  report: ContentReport,
  previous: readonly NamespaceCondition[],
  now: Date,
): NamespaceCondition[] {
  const verdicts: Verdict[] = [
    {
      // k8ts has one static kinds registry: discovery cannot fail.
      type: "NamespaceDeletionDiscoveryFailure",
      ok: true,
      okReason: "ResourcesDiscovered",
      okMessage: "All resources successfully discovered",
      badReason: "",
      badMessage: "",
    },
    {
      type: "NamespaceDeletionContentFailure",
      ok: report.failures.length === 0,
      okReason: "ContentDeleted",
      okMessage: "All content successfully deleted, may be waiting on finalization",
      badReason: "ContentDeletionFailed",
      badMessage: `Failed to delete all resource types, ${report.failures.length} remaining: ${report.failures.join(", ")}`,
    },
    {
      type: "NamespaceContentRemaining",
      ok: report.remaining.size === 0,
      okReason: "ContentRemoved",
      okMessage: "All content successfully removed",
      badReason: "SomeResourcesRemain",
      badMessage: `Some resources are remaining: ${counted(report.remaining, (r, n) => `${r} has ${n} resource instances`)}`,
    },
    {
      type: "NamespaceFinalizersRemaining",
      ok: report.finalizers.size === 0,
      okReason: "ContentHasNoFinalizers",
      okMessage: "All content-preserving finalizers finished",
      badReason: "SomeFinalizersRemain",
      badMessage: `Some content in the namespace has finalizers remaining: ${counted(report.finalizers, (f, n) => `${f} in ${n} resource instances`)}`,
    },
  ];
  return verdicts.map((v) => {
    const status = v.ok ? "False" : "True";
    const before = previous.find((c) => c.type === v.type);
    return {
      type: v.type,
      status,
      reason: v.ok ? v.okReason : v.badReason,
      message: v.ok ? v.okMessage : v.badMessage,
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : now,
    };
  });
}

/** Whether two condition lists say the same (transition times aside). */
export function sameConditions(
  a: readonly NamespaceCondition[],
  b: readonly NamespaceCondition[],
): boolean {
  return (
    a.length === b.length &&
    a.every((c, i) => {
      const d = b[i];
      return (
        d !== undefined &&
        c.type === d.type &&
        c.status === d.status &&
        c.reason === d.reason &&
        c.message === d.message
      );
    })
  );
}
