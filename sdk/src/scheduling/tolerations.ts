// Whether a pod's tolerations let it past a node's taint, as Kubernetes decides it. The
// scheduler (TaintToleration filter) and the node lifecycle controller (taint-based
// eviction) must agree on it to the letter.
import type { Taint } from "../gen/k8ts/api/v1/node.js";
import type { Toleration } from "../gen/k8ts/api/v1/scheduling.js";

export type TaintLike = Pick<Taint, "key" | "value" | "effect">;

/**
 * As Kubernetes' ToleratesTaint: an empty effect matches every effect; an empty key (with
 * Exists) every key; Exists ignores the value, Equal (or empty) requires it.
 */
export function toleratesTaint(toleration: Toleration, taint: TaintLike): boolean {
  if (toleration.effect !== "" && toleration.effect !== taint.effect) return false;
  if (toleration.key !== "" && toleration.key !== taint.key) return false;
  switch (toleration.operator) {
    case "":
    case "Equal":
      return toleration.value === taint.value;
    case "Exists":
      return true;
    default:
      return false;
  }
}

/** Whether any of `tolerations` tolerates `taint`. */
export function tolerated(tolerations: readonly Toleration[], taint: TaintLike): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}
