// Taint-based eviction (Kubernetes' taint manager): a Pod on a node with a NoExecute taint
// it does not tolerate is evicted at once; one it tolerates with tolerationSeconds is
// evicted that long after the taint was added; one it tolerates without tolerationSeconds
// stays. Kubernetes' DefaultTolerationSeconds admission gives every Pod tolerations of the
// not-ready and unreachable taints; k8ts has no such admission, so they are applied here.
import { toleratesTaint } from "@k8ts/sdk";
import type { Taint } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import type { Toleration } from "@k8ts/sdk/gen/k8ts/api/v1/scheduling.js";
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from "./node-taints.js";

/**
 * The Pod's tolerations plus, for each of not-ready and unreachable that no toleration
 * already covers (same key or empty key, NoExecute or empty effect), one with
 * `defaultSeconds` (as Kubernetes' DefaultTolerationSeconds admission plugin).
 */
export function withDefaultTolerations(
  tolerations: readonly Toleration[],
  defaultSeconds: number,
): Toleration[] {
  const covers = (key: string): boolean =>
    tolerations.some(
      (t) => (t.key === key || t.key === "") && (t.effect === "NoExecute" || t.effect === ""),
    );
  const out = [...tolerations];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE])
    if (!covers(key))
      out.push({
        key,
        operator: "Exists",
        value: "",
        effect: "NoExecute",
        tolerationSeconds: defaultSeconds,
      });
  return out;
}

/** A NoExecute taint and the wall-clock time (ms) from which it counts. */
export interface TimedTaint {
  readonly taint: Pick<Taint, "key" | "value" | "effect">;
  readonly addedAtMs: number;
}

/**
 * When (wall-clock ms) the Pod must be evicted because of these NoExecute taints:
 * -Infinity if one is not tolerated (at once), +Infinity if never. For a tolerated taint,
 * the shortest tolerationSeconds of the tolerations that match it counts (unset: forever,
 * zero or less: at once), from the taint's time.
 */
export function evictionTime(
  tolerations: readonly Toleration[],
  taints: readonly TimedTaint[],
): number {
  let at = Number.POSITIVE_INFINITY;
  for (const { taint, addedAtMs } of taints) {
    if (taint.effect !== "NoExecute") continue;
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) return Number.NEGATIVE_INFINITY;
    let seconds = Number.POSITIVE_INFINITY;
    for (const t of matching)
      if (t.tolerationSeconds !== undefined)
        seconds = Math.min(seconds, Math.max(0, t.tolerationSeconds));
    at = Math.min(at, addedAtMs + seconds * 1000);
  }
  return at;
}
