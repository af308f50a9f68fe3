// The taints the node lifecycle controller owns, derived from the node's Ready condition:
// Unknown (the kubelet went silent) -> node.kubernetes.io/unreachable, False (the kubelet
// says not ready) -> node.kubernetes.io/not-ready, each as NoSchedule (no new Pods) and
// NoExecute (running Pods are evicted unless they tolerate it). True -> neither. Other
// taints of the node are left as they are.
import type { Taint } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";

export const TAINT_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_NOT_READY = "node.kubernetes.io/not-ready";
/** Set by an administrator on a node known to be shut down (Kubernetes' non-graceful shutdown). */
export const TAINT_OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

const OWNED_KEYS = [TAINT_UNREACHABLE, TAINT_NOT_READY];
const OWNED_EFFECTS = ["NoSchedule", "NoExecute"];

function owned(t: Taint): boolean {
  return OWNED_KEYS.includes(t.key) && OWNED_EFFECTS.includes(t.effect);
}

/** The controller's taints a node with this Ready status should carry. */
export function wantedTaints(
  ready: string | undefined,
  options: { readonly noExecute: boolean },
): { key: string; effect: string }[] {
  const key =
    ready === "Unknown" ? TAINT_UNREACHABLE : ready === "False" ? TAINT_NOT_READY : undefined;
  if (key === undefined) return [];
  const out = [{ key, effect: "NoSchedule" }];
  if (options.noExecute) out.push({ key, effect: "NoExecute" });
  return out;
}

/**
 * The node's taints with the controller's set to what `ready` calls for, or undefined when
 * nothing changes. Taints kept keep their timeAdded; added ones get `now`. With
 * `noExecute` false (full disruption) the NoExecute taints are withheld, so nothing is
 * evicted.
 */
export function reconcileTaints(
  current: readonly Taint[],
  ready: string | undefined,
  options: { readonly noExecute: boolean; readonly now: Date },
): Taint[] | undefined {
  const wanted = wantedTaints(ready, options);
  const isWanted = (t: Taint): boolean =>
    wanted.some((w) => w.key === t.key && w.effect === t.effect);
  const kept = current.filter((t) => !owned(t) || isWanted(t));
  const added: Taint[] = wanted
    .filter((w) => !kept.some((t) => t.key === w.key && t.effect === w.effect))
    .map((w) => ({ key: w.key, value: "", effect: w.effect, timeAdded: options.now }));
  if (added.length === 0 && kept.length === current.length) return undefined;
  return [...kept, ...added];
}
