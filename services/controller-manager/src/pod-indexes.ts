// Indexes of the shared Pod informer that controllers use. The functions are module
// constants: a controller registers them at the start of every leadership term, and the
// informer accepts the same function under the same name again.
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

/** Pods by the node they are bound to (unbound pods under ""). */
export const POD_NODE_INDEX = "spec.nodeName";

export function podNodeName(pod: Pod): string[] {
  return [pod.spec?.nodeName ?? ""];
}
